# Ferry in an image: Debian bookworm with Node 20, Unicorn, Capstone and the test toolchain.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libunicorn2 libcapstone4 libunicorn-dev libcapstone-dev gcc libc6-dev gcc-aarch64-linux-gnu llvm-14 binutils \
    && ([ -x /usr/bin/llvm-mc ] || ln -sf /usr/bin/llvm-mc-14 /usr/bin/llvm-mc) && rm -rf /var/lib/apt/lists/*
WORKDIR /ferry
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENTRYPOINT ["/ferry/bin/ferry"]
