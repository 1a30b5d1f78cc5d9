#!/bin/sh
# ekslint as a Helm post-renderer (the Helm 4 plugin's command, or Helm 3's --post-renderer):
# the rendered manifests arrive on stdin, the fixed ones leave on stdout. Only findings of
# severity error (an image pull that will fail) abort the deploy; warnings never do.
#
# Helm keeps a post-renderer's stderr to itself unless the post-renderer fails, so the report
# goes to the terminal when there is one, or to the file named by EKSLINT_REPORT; otherwise
# (a CI job) it stays on stderr, which Helm prints when the deploy is aborted.
# EKSLINT names the command to run (default: ekslint on PATH).
report=${EKSLINT_REPORT:-}
if [ -z "$report" ] && (: >/dev/tty) 2>/dev/null; then
  report=/dev/tty
fi
if [ -n "$report" ]; then
  exec ${EKSLINT:-ekslint} --fix --fail-on error - 2>>"$report"
fi
exec ${EKSLINT:-ekslint} --fix --fail-on error -
