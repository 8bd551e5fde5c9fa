"""`python -m replicate_trainings`: the command line, as the `replicate-trainings` script."""

from .cli import main

if __name__ == "__main__":
    main()
