#!/usr/bin/env bash
# Runs the JMH kernel benchmarks (DotKernelBenchmark, BatchedMatmulBenchmark) from the engine's test
# classes. Arguments go to JMH, e.g.:
#   scripts/kernel-benchmarks.sh DotKernelBenchmark.dot -p type=Q8_0,Q4_0
#   scripts/kernel-benchmarks.sh BatchedMatmulBenchmark -p batch=64,128
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
JAVA_HOME="$("$root/bin/find-jdk25")"
export JAVA_HOME
cd "$root"
./mvnw -q -B -pl engine test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/kernel-benchmarks.classpath >&2
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
    -cp "engine/target/test-classes:engine/target/classes:$(cat engine/target/kernel-benchmarks.classpath)" \
    org.openjdk.jmh.Main "$@"
