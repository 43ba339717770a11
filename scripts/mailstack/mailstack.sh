#!/usr/bin/env bash
# Loopback test mail stack for outreach's tests and benchmarks:
# Debian's Postfix (SMTP with AUTH) delivering over LMTP into Debian's Dovecot (IMAP), all on 127.0.0.1.
#
# Usage: mailstack.sh install | start | stop | status | clean
# Env:   MAILSTACK_DIR  runtime dir (configs, logs, queue, Maildirs); default $TMPDIR/outreach-mailstack.
#                       Each instance needs its own dir; every parent must be o+x (e.g. under /tmp).
#        SMTP_PORT=2525 IMAP_PORT=1143 LMTP_PORT=2424 AUTH_PORT=12345  (all bound on 127.0.0.1)
#        MAIL_DOMAIN=test.local
#        MAILSTACK_SENT_COPY=1  keep a copy of mail submitted by a domain user in their Sent folder (like Gmail);
#                               0 turns it off
# Several instances run at once when each has its own MAILSTACK_DIR and ports (tests do this).
# Users (passwd-file, plaintext): alice, bob, sink @MAIL_DOMAIN with passwords alicepass, bobpass, sinkpass.
# Mail for @MAIL_DOMAIN goes to Dovecot over LMTP (unknown users bounce with a DSN); mail for any other
# domain is rewritten to sink@MAIL_DOMAIN; nothing ever leaves the machine.
# Needs root (the daemons drop privileges to postfix/dovecot/mail). No systemd.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${MAILSTACK_DIR:-${TMPDIR:-/tmp}/outreach-mailstack}
SMTP_PORT=${SMTP_PORT:-2525}; IMAP_PORT=${IMAP_PORT:-1143}; LMTP_PORT=${LMTP_PORT:-2424}
AUTH_PORT=${AUTH_PORT:-12345}; DOMAIN=${MAIL_DOMAIN:-test.local}
DOMAIN_RE=${DOMAIN//./\\.}
# A short name per instance, used for Dovecot's instance_name and Postfix's syslog_name.
INSTANCE="mailstack-$(printf '%s' "$RUN" | cksum | cut -d' ' -f1)"

log() { echo "[mailstack $SMTP_PORT] $*" >&2; }

wait_port() { # port timeout_s
  local i; for ((i = 0; i < $2 * 20; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi; sleep 0.05
  done; log "port $1 did not open within $2 s"; return 1
}

render() { # template -> dest
  sed -e "s#@RUN@#$RUN#g" -e "s#@SMTP_PORT@#$SMTP_PORT#g" -e "s#@IMAP_PORT@#$IMAP_PORT#g" \
      -e "s#@LMTP_PORT@#$LMTP_PORT#g" -e "s#@AUTH_PORT@#$AUTH_PORT#g" -e "s#@INSTANCE@#$INSTANCE#g" \
      -e "s#@DOMAIN_RE@#${DOMAIN_RE//\\/\\\\}#g" -e "s#@DOMAIN@#$DOMAIN#g" "$HERE/templates/$1" > "$2"
}

installed() { command -v dovecot >/dev/null && command -v postfix >/dev/null && [ -x /usr/lib/dovecot/lmtp ]; }

cmd_install() {
  if installed; then log "postfix and dovecot already installed"; return 0; fi
  [ "$(id -u)" = 0 ] || { log "install needs root"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  local made_policy=
  # Keep the packages' postinst scripts from starting the system-wide daemons (Docker-style policy-rc.d).
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # An image without package lists cannot find the packages: fetch the lists once then.
  if ! apt-cache show postfix >/dev/null 2>&1 || ! apt-cache show dovecot-lmtpd >/dev/null 2>&1; then apt-get update -qq -o DPkg::Lock::Timeout=600; fi
  local rc=0
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    dovecot-imapd dovecot-lmtpd postfix || rc=$?
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || exit $rc
  installed || { log "install finished but dovecot/postfix are missing"; exit 1; }
  log "installed: $(postconf -d mail_version 2>/dev/null), dovecot $(dovecot --version 2>/dev/null)"
}

is_running() { # pidfile
  [ -f "$1" ] && kill -0 "$(tr -d ' \n' < "$1")" 2>/dev/null
}

cmd_start() {
  installed || { log "postfix/dovecot not installed: run '$0 install' first"; exit 1; }
  if is_running "$RUN/dovecot-base/master.pid" || is_running "$RUN/postfix-spool/pid/master.pid"; then
    log "already running in $RUN (stop it first)"; exit 1
  fi
  mkdir -p "$RUN/postfix" "$RUN/mail" "$RUN/postfix-spool" "$RUN/postfix-data"
  chmod 0755 "$RUN"   # postfix/dovecot/mail users must traverse it (mktemp -d makes 0700); parents need o+x too
  chown mail:mail "$RUN/mail"; chown postfix:postfix "$RUN/postfix-data"
  render dovecot.conf.in "$RUN/dovecot.conf"
  render users.in "$RUN/users"; chmod 0644 "$RUN/users"
  render main.cf.in "$RUN/postfix/main.cf"
  render master.cf.in "$RUN/postfix/master.cf"
  render virtual_alias.regexp.in "$RUN/postfix/virtual_alias.regexp"
  if [ "${MAILSTACK_SENT_COPY:-1}" = 0 ]; then : > "$RUN/postfix/sender_bcc.regexp"
  else render sender_bcc.regexp.in "$RUN/postfix/sender_bcc.regexp"; fi
  # Postfix stalls ~2 s at start when main.cf is younger than a couple of seconds: backdate it.
  touch -d '-10 seconds' "$RUN/postfix/main.cf" "$RUN/postfix/master.cf" "$RUN/postfix/virtual_alias.regexp" "$RUN/postfix/sender_bcc.regexp"
  local t0; t0=$(date +%s%N)
  # Both daemonize; their stdio goes to files so a caller piping our output is not held open.
  dovecot -c "$RUN/dovecot.conf" </dev/null >>"$RUN/dovecot-start.log" 2>&1 \
    || { cat "$RUN/dovecot-start.log" >&2; exit 1; }    # pid in $RUN/dovecot-base/master.pid
  if ! postfix -c "$RUN/postfix" start </dev/null >>"$RUN/postfix-start.log" 2>&1; then
    cat "$RUN/postfix-start.log" >&2; tail -5 "$RUN/postfix.log" >&2 2>/dev/null || true; cmd_stop; exit 1
  fi
  if ! { wait_port "$IMAP_PORT" 20 && wait_port "$LMTP_PORT" 20 && wait_port "$AUTH_PORT" 20 && wait_port "$SMTP_PORT" 20; }; then
    tail -5 "$RUN/dovecot.log" "$RUN/postfix.log" >&2 2>/dev/null || true; cmd_stop; exit 1
  fi
  log "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms: SMTP 127.0.0.1:$SMTP_PORT IMAP 127.0.0.1:$IMAP_PORT LMTP 127.0.0.1:$LMTP_PORT domain $DOMAIN dir $RUN"
}

cmd_stop() {
  # SIGTERM both masters (they take their children down), then wait; SIGKILL after 10 s.
  local pids=() p
  [ -f "$RUN/postfix-spool/pid/master.pid" ] && pids+=("$(tr -d ' \n' < "$RUN/postfix-spool/pid/master.pid")")
  [ -f "$RUN/dovecot-base/master.pid" ] && pids+=("$(tr -d ' \n' < "$RUN/dovecot-base/master.pid")")
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && kill -TERM "$p" || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" || true
  done
  rm -f "$RUN/postfix-spool/pid/master.pid" "$RUN/dovecot-base/master.pid"
  log "stopped"
}

cmd_status() {
  local ok=0
  if is_running "$RUN/dovecot-base/master.pid"; then echo "dovecot: running (IMAP $IMAP_PORT, LMTP $LMTP_PORT)"; else echo "dovecot: stopped"; ok=1; fi
  if is_running "$RUN/postfix-spool/pid/master.pid"; then echo "postfix: running (SMTP $SMTP_PORT)"; else echo "postfix: stopped"; ok=1; fi
  return $ok
}

cmd_clean() { cmd_stop; rm -rf "$RUN"; }

case "${1:-}" in
  install) cmd_install ;; start) cmd_start ;; stop) cmd_stop ;; status) cmd_status ;; clean) cmd_clean ;;
  *) echo "usage: $0 install|start|stop|status|clean" >&2; exit 2 ;;
esac
