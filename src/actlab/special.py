"""Error functions and the normal CDF, vectorised for any :mod:`actlab.backend` namespace.

``erf`` and ``erfc`` are a port of Sun's fdlibm ``s_erf.c`` (which glibc's are derived
from), with exact transformations (two_sum, Dekker products) in the three places where
fdlibm's own roundings cost up to 2 ulp. ``ndtr`` builds on the same pieces but carries
its argument -x/sqrt(2) as a double-double, so that the far left tail keeps full
accuracy. Measured against mpmath: erf <= 1 ulp, erfc and ndtr <= 2 ulp (mostly <= 1),
including subnormal results (tests/test_special.py).

Every kernel takes ``(xp, x)`` with ``x`` a float64 array and returns a float64 array.
fdlibm's scalar ``if`` ladder on |x| becomes one :meth:`patch` per range: each range's
formula only ever sees arguments from its own range, so no branch can overflow, divide
by zero or make a NaN that is thrown away later (tests run with warnings as errors).
On NumPy, ``ndtr`` (the float64 GELU's cost) instead groups x by range once and runs
each formula on a contiguous slice (:func:`_ndtr_numpy`), with the same bits.

The fdlibm code carries the following notice, which must be preserved:

 ====================================================
 Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.

 Developed at SunSoft, a Sun Microsystems, Inc. business.
 Permission to use, copy, modify, and distribute this
 software is freely granted, provided that this notice
 is preserved.
 ====================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special as sc

from actlab.backend import NUMPY, halves, split_constant, two_prod, two_sum

Array = Any

# ----------------------------------------------------------------------------------
# fdlibm s_erf.c (@(#)s_erf.c 1.3 95/01/18) coefficients, copied digit for digit; the
# comments give the IEEE bit patterns from the same source.
# ----------------------------------------------------------------------------------
_ERX = 8.45062911510467529297e-01  # 0x3FEB0AC1, 0x60000000 = (float)0.84506291151
_EFX = 1.28379167095512586316e-01  # 0x3FC06EBA, 0x8214DB69 = 2/sqrt(pi) - 1
_EFX8 = 1.02703333676410069053e+00  # 0x3FF06EBA, 0x8214DB69 = 8*efx

# erf(x) = x + x*P(x^2)/Q(x^2) on [0, 0.84375]
_PP = (
    1.28379167095512558561e-01,  # pp0 0x3FC06EBA, 0x8214DB68
    -3.25042107247001499370e-01,  # pp1 0xBFD4CD7D, 0x691CB913
    -2.84817495755985104766e-02,  # pp2 0xBF9D2A51, 0xDBD7194F
    -5.77027029648944159157e-03,  # pp3 0xBF77A291, 0x236668E4
    -2.37630166566501626084e-05,  # pp4 0xBEF8EAD6, 0x120016AC
)
_QQ = (
    1.0,
    3.97917223959155352819e-01,  # qq1 0x3FD97779, 0xCDDADC09
    6.50222499887672944485e-02,  # qq2 0x3FB0A54C, 0x5536CEBA
    5.08130628187576562776e-03,  # qq3 0x3F74D022, 0xC4D36B0F
    1.32494738004321644526e-04,  # qq4 0x3F215DC9, 0x221C1A10
    -3.96022827877536812320e-06,  # qq5 0xBED09C43, 0x42A26120
)
# erf(1+s) = erx + P(s)/Q(s) on [0.84375, 1.25]
_PA = (
    -2.36211856075265944077e-03,  # pa0 0xBF6359B8, 0xBEF77538
    4.14856118683748331666e-01,  # pa1 0x3FDA8D00, 0xAD92B34D
    -3.72207876035701323847e-01,  # pa2 0xBFD7D240, 0xFBB8C3F1
    3.18346619901161753674e-01,  # pa3 0x3FD45FCA, 0x805120E4
    -1.10894694282396677476e-01,  # pa4 0xBFBC6398, 0x3D3E28EC
    3.54783043256182359371e-02,  # pa5 0x3FA22A36, 0x599795EB
    -2.16637559486879084300e-03,  # pa6 0xBF61BF38, 0x0A96073F
)
_QA = (
    1.0,
    1.06420880400844228286e-01,  # qa1 0x3FBB3E66, 0x18EEE323
    5.40397917702171048937e-01,  # qa2 0x3FE14AF0, 0x92EB6F33
    7.18286544141962662868e-02,  # qa3 0x3FB2635C, 0xD99FE9A7
    1.26171219808761642112e-01,  # qa4 0x3FC02660, 0xE763351F
    1.36370839120290507362e-02,  # qa5 0x3F8BEDC2, 0x6B51DD1C
    1.19844998467991074170e-02,  # qa6 0x3F888B54, 0x5735151D
)
# erfc(x) = exp(-x^2 - 0.5625 + R(1/x^2)/S(1/x^2)) / x on [1.25, 1/0.35]
_RA = (
    -9.86494403484714822705e-03,  # ra0 0xBF843412, 0x600D6435
    -6.93858572707181764372e-01,  # ra1 0xBFE63416, 0xE4BA7360
    -1.05586262253232909814e+01,  # ra2 0xC0251E04, 0x41B0E726
    -6.23753324503260060396e+01,  # ra3 0xC04F300A, 0xE4CBA38D
    -1.62396669462573470355e+02,  # ra4 0xC0644CB1, 0x84282266
    -1.84605092906711035994e+02,  # ra5 0xC067135C, 0xEBCCABB2
    -8.12874355063065934246e+01,  # ra6 0xC0545265, 0x57E4D2F2
    -9.81432934416914548592e+00,  # ra7 0xC023A0EF, 0xC69AC25C
)
_SA = (
    1.0,
    1.96512716674392571292e+01,  # sa1 0x4033A6B9, 0xBD707687
    1.37657754143519042600e+02,  # sa2 0x4061350C, 0x526AE721
    4.34565877475229228821e+02,  # sa3 0x407B290D, 0xD58A1A71
    6.45387271733267880336e+02,  # sa4 0x40842B19, 0x21EC2868
    4.29008140027567833386e+02,  # sa5 0x407AD021, 0x57700314
    1.08635005541779435134e+02,  # sa6 0x405B28A3, 0xEE48AE2C
    6.57024977031928170135e+00,  # sa7 0x401A47EF, 0x8E484A93
    -6.04244152148580987438e-02,  # sa8 0xBFAEEFF2, 0xEE749A62
)
# same form on [1/0.35, 28]
_RB = (
    -9.86494292470009928597e-03,  # rb0 0xBF843412, 0x39E86F4A
    -7.99283237680523006574e-01,  # rb1 0xBFE993BA, 0x70C285DE
    -1.77579549177547519889e+01,  # rb2 0xC031C209, 0x555F995A
    -1.60636384855821916062e+02,  # rb3 0xC064145D, 0x43C5ED98
    -6.37566443368389627722e+02,  # rb4 0xC083EC88, 0x1375F228
    -1.02509513161107724954e+03,  # rb5 0xC0900461, 0x6A2E5992
    -4.83519191608651397019e+02,  # rb6 0xC07E384E, 0x9BDC383F
)
_SB = (
    1.0,
    3.03380607434824582924e+01,  # sb1 0x403E568B, 0x261D5190
    3.25792512996573918826e+02,  # sb2 0x40745CAE, 0x221B9F0A
    1.53672958608443695994e+03,  # sb3 0x409802EB, 0x189D5118
    3.19985821950859553908e+03,  # sb4 0x40A8FFB7, 0x688C246A
    2.55305040643316442583e+03,  # sb5 0x40A3F219, 0xCEDF3BE6
    4.74528541206955367215e+02,  # sb6 0x407DA874, 0xE79FE763
    -2.24409524465858183362e+01,  # sb7 0xC03670E2, 0x42712D62
)

# Range boundaries. fdlibm compares the high word of |x|, which for these constants is
# the same as comparing |x| itself (their low words are zero).
_SMALL = 0.84375  # 0x3FEB0000
_MID = 1.25  # 0x3FF40000
_RS_SPLIT = 2.8571414947509766  # 0x4006DB6D ~ 1/0.35 (fdlibm's erfc; its erf: 0x4006DB6E)
_TINY = 2.0**-28  # 0x3E300000: erf(x) = x + efx*x to within rounding
_DENORMAL = 2.0**-1015  # 0x00800000: below, efx*x would lose bits to underflow
_ERFC_FLAT = 6.0  # 0x40180000: erfc(-x) rounds to 2 (and erf to +-1) beyond this
_ERFC_ZERO = 28.0  # 0x403C0000: erfc(x) underflows to 0 beyond this

_TWO_OVER_SQRT_PI = 1.1283791670955126  # d/dx erfc(x) = -(2/sqrt(pi)) exp(-x^2)
_INV_SQRT2 = split_constant(lambda mp: 1 / mp.sqrt(2))  # 1/sqrt(2) as (hi, lo)


def _log2_128() -> tuple[float, float]:
    """128 log(2) as hi + lo, hi a multiple of 2**-40 so that adding it to -z*z - 0.5625
    in _tail is exact (all three are multiples of 2**-40 and below 2**10)."""
    hi, lo = split_constant(lambda mp: 128 * mp.log(2))
    hi40 = round(hi * 2.0**40) * 2.0**-40
    return hi40, (hi - hi40) + lo


_LOG2_128_HI, _LOG2_128_LO = _log2_128()


def _horner(x: Array, c: tuple[float, ...]) -> Array:
    """c[0] + x*(c[1] + x*(...)): the same operations, in the same order, as fdlibm."""
    r = c[-2] + x * c[-1]
    for ck in reversed(c[:-2]):
        # in place (the same operations): each step would otherwise allocate two arrays
        r *= x
        r += ck
    return r


def _two_prod_finite(a: Array, b: Array) -> tuple[Array, Array]:
    """(p, e) with p = fl(a*b) and a*b = p + e exactly (Dekker), for finite a, b and
    a*b below 2**996 in magnitude. backend.two_prod also handles huge and non-finite
    factors, with three selects that every caller here would pay for nothing."""
    p = a * b
    ah, al = halves(a)
    bh, bl = halves(b)
    e = ah * bh  # ((ah*bh - p) + ah*bl + al*bh) + al*bl, accumulated in place
    e -= p
    e += ah * bl
    e += al * bh
    e += al * bl
    return p, e


def _div(n: Array, d: Array) -> tuple[Array, Array]:
    """(q, ql) with q + ql = n/d to about 2**-104: q = fl(n/d) plus its remainder / d.

    n - fl(q*d) is exact (Sterbenz), so only the tiny rounding of ql remains.
    """
    q = n / d
    p, p_err = _two_prod_finite(q, d)
    return q, ((n - p) - p_err) / d


def _erfc_small(xp: Any, x: Array, corr: Any = 0.0) -> Array:
    """erfc(x) - corr for |x| < 0.84375, with erf(x) = x + x*R(x^2).

    fdlibm: 1 - (x + x*R) for x < 1/4, 0.5 - (x*R + (x - 0.5)) above (x - 0.5 exact).
    For x >= 1/2 that sum is rounded to the ulp of up to 0.27 while erfc is down to
    0.23 (half that ulp): 2 ulp. (1 - x) - x*R is exact up to the last subtraction.
    """
    z = x * x
    r = x * (_horner(z, _PP) / _horner(z, _QQ)) + corr
    return xp.where(x < 0.25, 1.0 - (x + r),
                    xp.where(x < 0.5, 0.5 - (r + (x - 0.5)), (1.0 - x) - r))


def _erfc_mid(xp: Any, x: Array, a: Array, corr: Any = 0.0) -> Array:
    """erfc(x) - corr for 0.84375 <= |x| < 1.25, with erf(1 + s) = erx + P(s)/Q(s).

    fdlibm: (1 - erx) - P/Q for x > 0, but erfc (down to 0.077) is there no larger
    than P/Q (up to 0.078), so the rounding of P/Q and of the difference each cost up
    to an ulp. Here P/Q = q + ql (_div) and (1 - erx) - q = hi + lo (two_sum) exactly.
    """
    s = a - 1.0
    q, ql = _div(_horner(s, _PA), _horner(s, _QA))
    hi, lo = two_sum(1.0 - _ERX, -q)
    return xp.where(x > 0, hi + (lo - (ql + corr)), 1.0 + ((_ERX + q) + (ql - corr)))


def _rs_near(s: Array) -> Array:
    """R/S(s), s = 1/a^2, of fdlibm's erfc tail on 1.25 <= a < 1/0.35."""
    return _horner(s, _RA) / _horner(s, _SA)


def _rs_far(s: Array) -> Array:
    """R/S(s), s = 1/a^2, of fdlibm's erfc tail on 1/0.35 <= a < 28."""
    return _horner(s, _RB) / _horner(s, _SB)


def _tail(xp: Any, a: Array, scale: float = 1.0, d: Array | None = None,
          refine: bool = True, rs: Array | None = None) -> Array:
    """scale * erfc(a + d) for 1.25 <= a < 28, d = O(ulp(a)) (default 0); ``rs``:
    R/S(1/a^2) if the caller has it (_ndtr_numpy evaluates it per range), else computed.

    fdlibm: erfc(a) = exp(-a^2 - 0.5625 + R/S) / a. Rounding a*a would cost a^2 ulps
    (up to 800), so fdlibm writes a = z + (a - z), z = a with its low 32 bits cleared:
    -z*z - 0.5625 is exact and -a^2 = -z*z + (z - a)*(z + a). fdlibm then multiplies
    exp(-z*z - 0.5625) * exp((z - a)*(z + a) + R/S): two exp errors and two roundings,
    up to 2 ulp. Here the exact sum h + hl of the two exponents (two_sum) feeds a single
    exp, exp(h + hl) = exp(h) * (1 + hl) (|hl| < 1e-12), and the quotient by a is
    corrected with its exact remainder (_div), leaving one exp error and one rounding
    (erf, which only needs erfc <= 0.08 to a fraction of its own ulp, skips that: refine).

    A perturbation d enters to first order through the logarithmic derivative,
        log erfc(a + d) = log erfc(a) - d * (2/sqrt(pi)) exp(-a^2) / erfc(a)
                        = log erfc(a) - d * (2/sqrt(pi)) a exp(0.5625 - R/S),
    i.e. it is added to hl. ``scale`` must be a power of two (it divides a exactly).
    """
    if rs is None:
        s = 1.0 / (a * a)
        near = a < _RS_SPLIT
        rs = xp.patch(xp.patch(xp.full_like(a, 0.0), near, _rs_near, s), ~near, _rs_far, s)
    z = xp.clear_low_bits(a, 32)
    # exp(h + hl) is computed as 2**-128 exp(h + hl + 128 log 2): exp then never returns
    # a subnormal (implementations differ there), Dekker's products in _div stay normal,
    # and the final scaling is the only rounding of subnormal results.
    h, hl = two_sum((-z * z - 0.5625) + _LOG2_128_HI, (z - a) * (z + a) + rs)
    del z  # in place from here on: a smaller peak heap (see _ndtr_numpy)
    hl += _LOG2_128_LO
    if d is not None:
        hl -= d * (_TWO_OVER_SQRT_PI * a * xp.exp(0.5625 - rs))
    if refine:
        q, ql = _div(xp.exp(h), a / scale)
        return (q + (ql + q * hl)) * 2.0**-128
    q = xp.exp(h) / (a / scale)
    return (q + q * hl) * 2.0**-128


def _signed_base(xp: Any, x: Array, neg: float, pos: float) -> Array:
    """``pos`` where x > 0, ``neg`` where x < 0, x itself (+-0, NaN) elsewhere."""
    return xp.where(x > 0, pos, xp.where(x < 0, neg, x))


def erf(xp: Any, x: Array) -> Array:
    """Error function erf(x) = 2/sqrt(pi) * int_0^x exp(-t^2) dt.

    fdlibm ``s_erf.c``: |x| < 0.84375: x + x*P(x^2)/Q(x^2); < 1.25: erx + P/Q(|x| - 1);
    < 6: 1 - erfc(|x|) with erfc from _tail; beyond: +-1 (all with the sign of x).
    Keeps -0, erf(+-inf) = +-1, NaN -> NaN. Max error 1 ulp (measured against mpmath
    on a dense grid, see tests/test_special.py).
    """
    a = xp.abs(x)
    out = _signed_base(xp, x, -1.0, 1.0)  # |x| >= 6, +-inf, and NaN

    def small(x: Array, a: Array) -> Array:
        # fdlibm: for (almost) subnormal x, efx*x would lose bits; 8x is exact.
        z = x * x
        tiny = xp.where(a < _DENORMAL, 0.125 * (8.0 * x + _EFX8 * x), x + _EFX * x)
        return xp.where(a < _TINY, tiny, x + x * (_horner(z, _PP) / _horner(z, _QQ)))
    out = xp.patch(out, a < _SMALL, small, x, a)

    def mid(x: Array, a: Array) -> Array:
        v = _ERX + _horner(a - 1.0, _PA) / _horner(a - 1.0, _QA)
        return xp.where(x > 0, v, -v)
    out = xp.patch(out, (a >= _SMALL) & (a < _MID), mid, x, a)

    def tail(x: Array, a: Array) -> Array:
        t = _tail(xp, a, refine=False)
        return xp.where(x > 0, 1.0 - t, t - 1.0)
    return xp.patch(out, (a >= _MID) & (a < _ERFC_FLAT), tail, x, a)


def erfc(xp: Any, x: Array) -> Array:
    """Complementary error function erfc(x) = 1 - erf(x), accurate also where erf ~ 1.

    fdlibm ``s_erf.c``: |x| < 0.84375: 1 - (x + x*R(x^2)); < 1.25: (1 - erx) - P/Q or
    1 + (erx + P/Q); < 28: exp(-x^2 - 0.5625 + R/S(1/x^2))/|x| (2 minus that for
    x < 0, and 2 for x <= -6); beyond: 0 or 2. Three places where fdlibm loses up to
    2 ulp are evaluated with exact transformations instead (see _erfc_small,
    _erfc_mid, _tail). erfc(+inf) = 0, erfc(-inf) = 2, NaN -> NaN. Max error 1-2 ulp
    (measured against mpmath), also counted in units of the smallest subnormal where
    erfc underflows (x in [26.55, 27.3]).
    """
    a = xp.abs(x)
    out = _signed_base(xp, x, 2.0, 0.0)  # x >= 28, x <= -6, +-inf, and NaN
    out = xp.patch(out, a < _SMALL, lambda x: _erfc_small(xp, x), x)
    out = xp.patch(out, (a >= _SMALL) & (a < _MID), lambda x, a: _erfc_mid(xp, x, a), x, a)

    def tail(x: Array, a: Array) -> Array:
        t = _tail(xp, a)
        return xp.where(x > 0, t, 2.0 - t)
    in_tail = (a >= _MID) & (a < _ERFC_ZERO) & ((x > 0) | (a < _ERFC_FLAT))
    return xp.patch(out, in_tail, tail, x, a)


def ndtr(xp: Any, x: Array) -> Array:
    """Standard normal CDF Phi(x) = erfc(-x/sqrt(2)) / 2 (see :func:`_ndtr`).

    On NumPy, x >= 0 comes from SciPy's ndtr: there Phi >= 1/2 is 1 - erfc/2 or
    1/2 + erf/2, whose errors stay below an ulp of the result (SciPy is ~1000 ulp off
    only in the left tail, where erfc's argument rounding is amplified); one scalar-loop
    call (~11 ns per element) is cheaper than the formulas of _ndtr, which x < 0 gets
    from :func:`_ndtr_numpy` (the same formulas and bits, ranges grouped once).
    tests/test_special.py checks the result on both sides.
    """
    if xp.name == "numpy":
        return _ndtr_numpy(np.asarray(x))
    return _ndtr(xp, x)


def _least_t(e: float) -> float:
    """The least double t with fl(t * c_hi) >= e (c_hi = 1/sqrt(2) rounded), so that
    x <= -t selects the x whose yh = fl(-x * c_hi) of _ndtr is >= e, bit for bit."""
    c = _INV_SQRT2[0]
    t = e / c
    while t * c >= e:
        t = float(np.nextafter(t, 0.0))
    while t * c < e:
        t = float(np.nextafter(t, np.inf))
    return t


# _ndtr's ranges of yh as ranges of x (x <= edge), for grouping x before computing yh
_X_MID, _X_TAIL, _X_FAR = (-_least_t(e) for e in (_SMALL, _MID, _RS_SPLIT))
_T_MAX = 39.0  # Phi(-39) = 5e-333 rounds to 0, and yh = 27.6 stays inside _tail's range


def _ndtr_numpy(x: np.ndarray) -> np.ndarray:
    """_ndtr for x < 0 (x >= 0 from SciPy), with every range's formula run once.

    _ndtr's per-range patches each build a mask, gather and scatter; here the indices
    of each range are found once (x against the edges, no yh needed), x < 0 is gathered
    once in range order, and every formula runs on a contiguous slice; the double-double
    argument is formed once for all of them. The elementwise operations are those of
    _ndtr, so the bits are too. Below x = -39 (Phi = 0), x is clamped into the tail.
    """
    shape = x.shape
    x = x.reshape(-1)
    neg = x < 0
    if not np.count_nonzero(neg):
        return np.asarray(sc.ndtr(x)).reshape(shape)
    # NOTE: speed. The order of the steps and the dels keep the peak heap low: glibc
    # returns the free top of the heap to the OS beyond its trim threshold (128 kB or
    # more), and every page touched again costs a page fault (~1.5 us each on this VM),
    # so each call pays for its peak above the threshold (faults were half the time).
    mid, tail, far = x <= _X_MID, x <= _X_TAIL, x <= _X_FAR
    groups = [np.flatnonzero(m) for m in (neg ^ mid, mid ^ tail, tail ^ far, far)]
    b1, b2, b3 = np.cumsum([g.size for g in groups[:3]]).tolist()
    idx = np.concatenate(groups)
    del mid, tail, far, groups
    t = np.take(x, idx)
    np.negative(t, out=t)
    np.minimum(t, _T_MAX, out=t)  # -inf too
    yh, yl = _two_prod_finite(t, _INV_SQRT2[0])
    yl += t * _INV_SQRT2[1]
    res = t  # t is not used again: one temporary (and its page faults) fewer
    corr = _corr(NUMPY, yh[:b2], yl[:b2])
    res[:b1] = 0.5 * _erfc_small(NUMPY, yh[:b1], corr[:b1])
    res[b1:b2] = 0.5 * _erfc_mid(NUMPY, yh[b1:b2], yh[b1:b2], corr[b1:b2])
    del corr
    a = yh[b2:]
    s = 1.0 / (a * a)
    rs = np.concatenate([_rs_near(s[:b3 - b2]), _rs_far(s[b3 - b2:])])
    del s
    res[b2:] = _tail(NUMPY, a, 0.5, yl[b2:], rs=rs)
    del a, rs, yh, yl
    out = np.empty_like(x)
    out[idx] = res
    del idx, res, t
    pos = np.flatnonzero(~neg)  # also NaN
    v = np.take(x, pos)
    out[pos] = sc.ndtr(v, out=v)
    return out.reshape(shape)


def _corr(xp: Any, yh: Array, yl: Array) -> Array:
    """erfc(yh) - erfc(yh + yl) to first order: (2/sqrt(pi)) exp(-yh^2) yl."""
    return _TWO_OVER_SQRT_PI * xp.exp(-yh * yh) * yl


def _ndtr(xp: Any, x: Array) -> Array:
    """Standard normal CDF Phi(x) = erfc(-x/sqrt(2)) / 2.

    The argument y = -x/sqrt(2) is carried as a double-double yh + yl (yh = fl(-x*c_hi),
    yl from Dekker's two_prod plus -x*c_lo): the relative condition number of erfc(y)
    is about 2y^2 (~1600 at x = -38), so rounding y to a double alone would cost up to
    ~800 ulps in the left tail. yl enters to first order (the second-order term is
    ~1e-25 relative): on |yh| < 1.25 additively, erfc(yh + yl) = erfc(yh) - corr with
    corr = (2/sqrt(pi)) exp(-yh^2) yl, and in the exp tail through the logarithmic
    derivative (see _tail), which also folds in the factor 1/2 before the only
    rounding of subnormal results (x < -37.5). exp(-yh^2) needs no double-double
    square: it only scales a term ~1e-13 times the result. For x >= 0 the same
    formulas give 1 - erfc(|y|)/2.

    Max error 2 ulp over the whole range, also in units of the smallest subnormal
    where Phi underflows (measured against mpmath, see tests/test_special.py).
    Phi(-inf) = 0, Phi(+inf) = 1, NaN -> NaN. Reference: fdlibm s_erf.c (erfc).
    """
    t = -x
    yh, yl = two_prod(xp, t, _INV_SQRT2[0])
    yl = yl + t * _INV_SQRT2[1]
    a = xp.abs(yh)
    out = _signed_base(xp, yh, 1.0, 0.0)  # |yh| >= 28, x >= 6*sqrt(2), +-inf, NaN
    out = xp.patch(out, a < _SMALL,
                   lambda yh, yl: 0.5 * _erfc_small(xp, yh, _corr(xp, yh, yl)), yh, yl)
    out = xp.patch(out, (a >= _SMALL) & (a < _MID),
                   lambda yh, a, yl: 0.5 * _erfc_mid(xp, yh, a, _corr(xp, yh, yl)), yh, a, yl)

    def tail(yh: Array, a: Array, yl: Array) -> Array:
        # For yh < 0: erfc(yh + yl) = 2 - erfc(a - yl), so Phi = 1 - erfc(a - yl)/2.
        pos = yh > 0
        t = _tail(xp, a, 0.5, xp.where(pos, yl, -yl))
        return xp.where(pos, t, 1.0 - t)
    in_tail = (a >= _MID) & (a < _ERFC_ZERO) & ((yh > 0) | (a < _ERFC_FLAT))
    return xp.patch(out, in_tail, tail, yh, a, yl)
