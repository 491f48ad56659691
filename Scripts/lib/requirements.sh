# Sourced by Scripts/setup and Scripts/test: installs the Debian packages lstmlua
# builds against when any is missing, so either script works on a fresh machine.
#
#   liblua5.4-dev        Lua 5.4, embedded
#   libopenblas-dev      BLAS (cblas_sgemm)
#   libcairo2-dev        plots: PNG, SVG and PDF
#   libedit-dev          the REPL's line editing and history
#   libzmq3-dev          the Jupyter kernel's sockets (ZeroMQ)
#   libcmark-gfm-dev, libcmark-gfm-extensions-dev
#                        Markdown cells in HTML exports (CommonMark, GitHub's tables...)
#   libopenmpi-dev, openmpi-bin
#                        torch.distributed (Open MPI), and mpirun for its tests
#   fonts-dejavu-core    Latin text in plots
#   fonts-wqy-microhei   Chinese text in plots (the article's labels)
#   pkg-config           how SwiftPM finds the libraries

lstmlua_packages=(liblua5.4-dev libopenblas-dev libcairo2-dev libedit-dev libzmq3-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libopenmpi-dev openmpi-bin fonts-dejavu-core fonts-wqy-microhei pkg-config)

lstmlua_require_packages() {
  local missing=()
  for p in "${lstmlua_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing ${missing[*]} ..." >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Please install as root: apt-get install ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

lstmlua_require_swift() {
  command -v swift >/dev/null && return 0
  [ -x /opt/swift/usr/bin/swift ] && { export PATH="/opt/swift/usr/bin:$PATH"; return 0; }
  echo "lstmlua needs the Swift 6 toolchain on PATH (https://swift.org/install)" >&2
  return 1
}
