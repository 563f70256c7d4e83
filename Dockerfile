# syntax=docker/dockerfile:1
# flinkop image: flinkop-controller and flinkop-webhook (manifests/base runs each with its own
# command), and flinkop-fetch, the artifact fetcher an init container runs to put a job's jar
# into a shared volume before Flink starts. Multi-stage: Debian 12 with compilers and -dev
# packages builds the release binaries; the runtime stage is Debian 12 slim with only the
# shared libraries they load.
#   docker build -t flinkop .
# Multi-arch images (linux/amd64, linux/arm64) are built by .github/workflows/release.yml.
ARG DEBIAN_IMAGE=debian:bookworm-slim

FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gcc libc6-dev make pkg-config check \
        libmicrohttpd-dev libcurl4-gnutls-dev libjansson-dev libyaml-dev libgnutls28-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# mk/build.mk directly: the top-level Makefile also checks tools only the tests need.
RUN make -f mk/build.mk -j"$(nproc)" VARIANT=release \
        build/flinkop-controller build/flinkop-webhook build/flinkop-fetch \
    && strip build/flinkop-controller build/flinkop-webhook build/flinkop-fetch

FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates libmicrohttpd12 libcurl3-gnutls libjansson4 libyaml-0-2 libgnutls30 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/flinkop-controller /src/build/flinkop-webhook \
     /src/build/flinkop-fetch /usr/local/bin/
# Numeric, so Kubernetes can verify runAsNonRoot; matches manifests/base (65532).
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flinkop-controller"]
