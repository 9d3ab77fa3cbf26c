#!/usr/bin/env bash
# The steps of the GitHub Action (action.yml): audit the targets once, write the report to
# the job summary, leave JSON, HTML and OpenMetrics reports as files, set the outputs.
# tests/suite/action.rs runs it with a simulated GITHUB_* environment.
#
# Inputs (from action.yml, as environment variables):
#   PAGECOST_TARGETS     URLs, files or folders, separated by spaces or newlines
#   PAGECOST_INPUT_FILE  a file of targets, one per line (instead of, or beside, targets)
#   PAGECOST_BUDGET      a budget.json
#   PAGECOST_ENGINE      static (default) or chromium
#   PAGECOST_ARGS        more arguments for `pagecost audit`, split on whitespace
#   PAGECOST_FAIL        true (default): the step fails when pagecost exits non-zero
#   PAGECOST_OUT_DIR     where the report files go (default: pagecost-report)
#   PAGECOST_BIN         the pagecost binary (default: pagecost on PATH)
# Outputs (to $GITHUB_OUTPUT): exit-code, json, html (one page), jsonl (many), openmetrics.
set -uo pipefail

bin=${PAGECOST_BIN:-pagecost}
out_dir=${PAGECOST_OUT_DIR:-pagecost-report}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
mkdir -p "$out_dir"

read -r -d '' -a targets <<< "${PAGECOST_TARGETS:-}"
read -r -d '' -a extra <<< "${PAGECOST_ARGS:-}"
args=(audit "${targets[@]}")
[ -n "${PAGECOST_INPUT_FILE:-}" ] && args+=(--input-file "$PAGECOST_INPUT_FILE")
[ -n "${PAGECOST_BUDGET:-}" ] && args+=(--budget "$PAGECOST_BUDGET")
args+=(--engine "${PAGECOST_ENGINE:-static}" -q)

if [ ${#targets[@]} -eq 0 ] && [ -z "${PAGECOST_INPUT_FILE:-}" ]; then
  echo "::error title=pagecost::no targets: set the action's targets or input-file input"
  echo "exit-code=2" >> "$outputs"
  exit 2
fi

# One page: a Markdown report for the summary, JSON and HTML beside it. Many pages: the
# summary table (in a code block), JSON lines beside it.
if [ ${#targets[@]} -eq 1 ] && [ -z "${PAGECOST_INPUT_FILE:-}" ]; then
  one_page=true
  files=(json html openmetrics)
  args+=(--format markdown)
else
  one_page=false
  files=(jsonl openmetrics)
  args+=(--format table)
fi
for f in "${files[@]}"; do
  ext=$f
  [ "$f" = openmetrics ] && ext=prom
  args+=(--report-file "$f=$out_dir/pagecost.$ext")
done

report=$(mktemp)
GITHUB_ACTIONS=${GITHUB_ACTIONS:-true} "$bin" "${args[@]}" "${extra[@]}" > "$report"
code=$?

{
  if [ "$one_page" = true ]; then
    cat "$report"
  else
    echo '### pagecost'
    echo
    echo '```'
    cat "$report"
    echo '```'
  fi
  echo
} >> "$summary"
cat "$report"
rm -f "$report"

echo "exit-code=$code" >> "$outputs"
for f in "${files[@]}"; do
  ext=$f
  [ "$f" = openmetrics ] && ext=prom
  [ -f "$out_dir/pagecost.$ext" ] && echo "$f=$out_dir/pagecost.$ext" >> "$outputs"
done

if [ "${PAGECOST_FAIL:-true}" = true ] && [ "$code" -ne 0 ]; then
  exit "$code"
fi
exit 0
