#!/usr/bin/env bash
# nginx for the slow-client test of the production layout (deploy/nginx.conf), from Debian's
# packages. Only the binary is used: the test starts its own nginx with its own config.
set -u
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null 2>&1
fi
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
echo "nginx is not installed (apt-get install nginx-light); the slow-client test needs it" >&2
exit 1
