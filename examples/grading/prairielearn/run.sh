#!/usr/bin/env bash
# PrairieLearn's external-grader entry point: grades /grade/student with the scenarios in
# /grade/tests/scenarios and writes /grade/results/results.json (PrairieLearn's format: a score from 0 to 1,
# the tests with their points; `gradable: false` when the server did not start). GRADE_ROOT moves it all.
set -euo pipefail
root="${GRADE_ROOT:-/grade}"
# PrairieLearn runs each job in a container of its own with networking off: socklab runs the student's
# server there as a local process (--target local) on loopback.
status=0
socklab grade "$root/student" --target local --dir "$root/tests/scenarios" --out "$root/socklab" --quiet || status=$?
mkdir -p "$root/results"
cp "$root/socklab/student/prairielearn.json" "$root/results/results.json"
# 0: graded; 7: the server did not start (the result says so, gradable: false). Anything else is socklab's own failure.
[ "$status" -eq 0 ] || [ "$status" -eq 7 ]
