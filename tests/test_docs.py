"""The committed documentation table is what the registry generates today."""

from pathlib import Path

from actlab.docs import activation_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "activations.md"


def test_activation_table_is_up_to_date() -> None:
    assert DOC.read_text() == activation_table(), "run `make docs` and commit docs/activations.md"
