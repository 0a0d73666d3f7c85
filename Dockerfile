# Ferry in an image: Debian bookworm with Node 20, set up by the same script CI uses (.ci/setup:
# Unicorn, Capstone, the test toolchain and programs, npm packages, the build).
FROM node:20-bookworm
WORKDIR /ferry
COPY . .
RUN bash .ci/setup && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/ferry/bin/ferry"]
