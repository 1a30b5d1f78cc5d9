"""How a run ends, as the shell sees it; the CLI, the run and the commands share these."""

CLEAN = 0  # nothing to report (or --exit-zero)
FINDINGS = 1  # findings remain, --diff has changes, or the report was cut short
ERROR = 2  # usage or config error, or an input that could not be read
INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
