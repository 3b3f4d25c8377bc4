# syntax=docker/dockerfile:1
# Build stage: compile the release binary (templates, migrations and assets are embedded in it).
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config cmake clang \
    && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY assets ./assets
RUN cargo build --release --locked && strip target/release/authwalk

# Runtime stage: a slim image with only the binary, CA roots, and a non-root user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/authwalk --create-home authwalk
COPY --from=build /src/target/release/authwalk /usr/local/bin/authwalk
USER authwalk
WORKDIR /var/lib/authwalk
ENV AUTHWALK_LISTEN=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///var/lib/authwalk/authwalk.db \
    AUTHWALK_LOG_FORMAT=json
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/authwalk"]
CMD ["serve"]
