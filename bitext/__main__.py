"""``python -m bitext`` = the ``bitext`` command."""

from bitext.cli import run_cli

if __name__ == "__main__":
    run_cli()
