"""python -m actlab: the command-line interface."""

from actlab.cli import main

if __name__ == "__main__":
    main()
