#!/usr/bin/env bash
# Prepares, on a build machine (JDK 25, Maven's local repository, ../shared beside the checkout),
# what scripts/gpu-check.sh needs on the GPU machine, which has neither a JDK nor Maven:
#   .gpu-check/classes, .gpu-check/test-classes  the compiled engine and its tests
#   .gpu-check/lib                               the jars the CUDA checks load + JUnit's console launcher
#   .jre                                         a jlinked Java 25 runtime (../shared/scripts/jre-for-device.sh)
#   .models                                      the shared test models the CUDA tests read
# and prints their sizes against the 64 MiB limit and the carry list. The classes are copied out of
# engine/target so that Maven runs started meanwhile (a clean, another module's build) cannot
# change what travels.
#
# Usage (from anywhere): scripts/prepare-gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(bin/find-jdk25)
export JAVA_HOME
stage=.gpu-check
lib=$stage/lib
shared_models=${SIFT_SHARED_MODELS:-../shared/models}

echo "== compiling and collecting dependencies (offline)"
rm -rf "$stage"
mkdir -p "$stage"
./mvnw -o -q -B -pl engine test-compile dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$lib"
cp -r engine/target/classes "$stage/classes"
cp -r engine/target/test-classes "$stage/test-classes"
for class in classes/dev/sift/engine/backend/cuda/CudaDecoder.class classes/dev/sift/engine/backend/cuda/matvec.ptx \
             test-classes/dev/sift/engine/backend/cuda/CudaDecoderTest.class \
             test-classes/dev/sift/engine/backend/cuda/CudaSpeedCheck.class; do
  [[ -f "$stage/$class" ]] || { echo "$stage/$class is missing (did another build clean engine/target?); run again" >&2; exit 1; }
done

# The console launcher must match the JUnit Platform the tests were compiled against.
platform=$(ls "$lib" | sed -n 's/^junit-platform-engine-\(.*\)\.jar$/\1/p')
[[ -n "$platform" ]] || { echo "no junit-platform-engine jar in $lib" >&2; exit 1; }
console=org.junit.platform:junit-platform-console-standalone:$platform
if ! ./mvnw -o -q -B -N dependency:copy -Dartifact="$console" -DoutputDirectory="$PWD/$lib" 2>/dev/null; then
  echo "== fetching $console from Maven Central"
  ./mvnw -q -B -N dependency:copy -Dartifact="$console" -DoutputDirectory="$PWD/$lib"
fi
# Only what the CUDA tests and CudaSpeedCheck load: JCuda, AssertJ and the launcher (which bundles
# JUnit). The engine classes they use (GGUF, tensors, model, KV cache, CPU kernels) need no library;
# the rest (jinjava and its Guava/Jackson, picocli, XChart, ...) would not fit the limit beside the
# runtime.
for jar in "$lib"/*.jar; do
  case $(basename "$jar") in
    jcuda-*.jar | assertj-core-*.jar | junit-platform-console-standalone-*.jar) ;;
    *) rm "$jar" ;;
  esac
done
# JCuda's natives jar also holds its runtime-API, NVRTC and nvPTXCompiler bindings (26 MB unpacked);
# the driver API needs only libJCudaDriver.
zip -q -d "$lib"/jcuda-natives-*.jar 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' 'lib/libJCudaRuntime-*'

echo "== Java runtime"
# Without java.xml (4 MB): the console launcher then writes no XML reports, only its tree to the log.
../shared/scripts/jre-for-device.sh

echo "== models"
# What CudaDecoderTest and CudaCompressionTest read: the quantized files of every architecture, the
# dense ones of Llama only (the limit leaves no room for the others'), and the long-story prompt.
rm -rf .models
mkdir -p .models/synthetic .models/reference
cp "$shared_models/stories260K.gguf" .models/
cp "$shared_models/reference/long-story.json" .models/reference/
cp "$shared_models"/synthetic/tiny-llama-{f32,f16}.gguf .models/synthetic/
for arch in llama llama3 qwen2 qwen3; do
  for type in q8_0 q4_0 d256-q4_k d256-q6_k; do
    cp "$shared_models/synthetic/tiny-$arch-$type.gguf" .models/synthetic/
  done
done
for ignored in /.models/ /.gpu-check/; do
  grep -qx "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >> .git/info/exclude
done

echo "== sizes (limit: 64 MiB for the working tree and the carried paths together)"
carry=(.jre .models "$stage")
du -sh .jre .models "$stage"/*
ls "$lib" | sed 's/^/  /'
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- | tail -1 | cut -f1)
total=$(( $(du -cb "${carry[@]}" | tail -1 | cut -f1) + tree ))
echo "working tree: $((tree / 1024)) KiB; total: $((total / 1024 / 1024)) MiB ($total bytes)"
if (( total > 64 * 1024 * 1024 )); then
  echo "WARNING: over the 64 MiB limit" >&2
fi
printf 'carry: ['; printf '"%s", ' "${carry[@]}" | sed 's/, $//'; printf ']\n'
echo 'command: bash scripts/gpu-check.sh'
