# The soak phase of persona-loadgen (issue 6): mixed tracking and
# recommending, capacity measured closed loop, then open loop at a share of
# it for minutes, with a CSV and an SVG plot of rate, p50/p99 and the
# server's RSS per window. The real run is documented in docs/BENCHMARKS.md
# ("Soak"); ctest runs it for a few seconds on a small made-up shop and
# fails on an error status (other than overload answers), a wrong answer or
# nothing done, never on a time or a slope.
target_sources(persona-loadgen PRIVATE soak_phase.cc soak_report.cc)
add_test(NAME persona_loadgen_soak_smoke
  COMMAND persona-loadgen --phases=soak --duration=2 --warmup=0.5 --concurrency=8
    --soak_minutes=0.1 --soak_window=1 --synthetic_items=300 --synthetic_customers=200
    --demo_csv= --soak_csv=${CMAKE_CURRENT_BINARY_DIR}/soak_smoke.csv
    --soak_svg=${CMAKE_CURRENT_BINARY_DIR}/soak_smoke.svg)
set_tests_properties(persona_loadgen_soak_smoke PROPERTIES LABELS bench TIMEOUT 300)
persona_test(soak_report_test
  SOURCES soak_report_test.cc soak_report.cc
  LIBS absl::strings absl::str_format absl::status
  LABELS bench)
