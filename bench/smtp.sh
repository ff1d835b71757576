#!/usr/bin/env bash
# Measures SMTP intake of sved against mailpit v1.33.1 with Postfix's
# smtp-source as the load generator, on 127.0.0.1 only.
#
# For every cell (sessions x message size) and every repetition, the
# script runs sved and mailpit one after the other, alternating which one
# goes first, each with a fresh data folder. The rate is messages sent
# divided by the wall time of smtp-source. The CPU time is user+sys of
# the server process from /proc/PID/stat, from just before the load until
# sved's outbound queue is empty. The peak RSS is VmHWM from
# /proc/PID/status. The script prints one raw line per run and a table of
# medians with sved/mailpit ratios.
#
# Usage: bash bench/smtp.sh
# Environment (defaults in brackets):
#   RUNS       repetitions per cell [3]
#   SESSIONS   smtp-source sessions (-s) to test ["1 10 50"]
#   SIZES      message body sizes in bytes (-l) ["1024 20480"]
#   MSGS       messages per run [3000], or MSGS_<sessions> for one
#              session count [MSGS_1=1000]
#   SERVERS    servers to run, in order: sved, mailpit and sved-dir
#              (sved with the default dir: transport) ["sved mailpit"]
#   SVED_BIN   a sved binary to use instead of building ./cmd/sved
#   OUT        folder for raw results and logs [a new folder under /tmp]
#   BASE_PORT  first of four 127.0.0.1 ports used [29250]
#   RUN_TIMEOUT  seconds allowed for one smtp-source run [300]
set -euo pipefail

RUNS=${RUNS:-3}
SESSIONS=${SESSIONS:-"1 10 50"}
SIZES=${SIZES:-"1024 20480"}
MSGS=${MSGS:-3000}
MSGS_1=${MSGS_1:-1000}
SERVERS=${SERVERS:-"sved mailpit"}
# Below the kernel's ephemeral range (32768-60999 by default), so that a
# client connection of this very benchmark cannot hold a server's port.
BASE_PORT=${BASE_PORT:-29250}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
OUT=${OUT:-$(mktemp -d /tmp/sved-bench-smtp.XXXXXX)}

SVED_PORT=$BASE_PORT
MAILPIT_SMTP_PORT=$((BASE_PORT + 1))
MAILPIT_HTTP_PORT=$((BASE_PORT + 2))
SINK_PORT=$((BASE_PORT + 3))
RECIPIENT=contact@mairie-banc.example
SENDER=jeanne@example.org
SMTP_SOURCE=/usr/sbin/smtp-source
SMTP_SINK=/usr/sbin/smtp-sink
MAILPIT=${MAILPIT:-$HOME/go/bin/mailpit}
MAILPIT_VERSION=v1.33.1
CLK_TCK=$(getconf CLK_TCK)

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sved-bench-work.XXXXXX)
SVED=$WORK/sved
RAW=$OUT/raw.tsv

# Process ids started by this script, stopped by cleanup.
SINK_PID=""
SERVER_PID=""

cleanup() {
	local pid
	for pid in $SERVER_PID $SINK_PID; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	# Keep the logs of a run that stopped the script, for diagnosis.
	find "$WORK" -name server.log -exec sh -c 'cp "$1" "$2/$(basename "$(dirname "$1")").log"' _ {} "$OUT" \; 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
die() {
	log "smtp.sh: $*"
	exit 1
}

# wait_port waits until a TCP port on 127.0.0.1 accepts connections.
wait_port() {
	local port=$1 i
	for i in $(seq 1 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	die "nothing listens on 127.0.0.1:$port after 30 s"
}

# require_free_port fails when something already listens on the port.
require_free_port() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		die "127.0.0.1:$1 is already in use; set BASE_PORT to a free range"
	fi
}

# cpu_seconds prints user+sys CPU seconds of a process from /proc/PID/stat.
cpu_seconds() {
	# Fields after the ")" that closes the command name: utime is the
	# 12th and stime the 13th.
	sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$CLK_TCK" '{ printf "%.2f", ($12 + $13) / hz }'
}

# peak_rss_mib prints VmHWM of a process in MiB.
peak_rss_mib() {
	awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

now() { date +%s.%N; }

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

setup() {
	[ -x "$SMTP_SOURCE" ] || die "$SMTP_SOURCE is missing (apt-get install postfix)"
	[ -x "$SMTP_SINK" ] || die "$SMTP_SINK is missing (apt-get install postfix)"
	command -v curl >/dev/null || die "curl is missing (apt-get install curl)"
	if [ ! -x "$MAILPIT" ]; then
		log "installing mailpit $MAILPIT_VERSION with go install"
		go install "github.com/axllent/mailpit@$MAILPIT_VERSION"
	fi
	# The module version is read from the binary's build information,
	# because "mailpit version" contacts the network.
	go version -m "$MAILPIT" | grep -q "mod[[:space:]]*github.com/axllent/mailpit[[:space:]]*$MAILPIT_VERSION" ||
		die "$MAILPIT is not mailpit $MAILPIT_VERSION"
	local port
	for port in $SVED_PORT $MAILPIT_SMTP_PORT $MAILPIT_HTTP_PORT $SINK_PORT; do
		require_free_port "$port"
	done

	if [ -n "${SVED_BIN:-}" ]; then
		cp "$SVED_BIN" "$SVED"
	else
		log "building sved from $REPO"
		(cd "$REPO" && go build -o "$SVED" ./cmd/sved)
	fi

	# smtp-sink accepts every message and discards it, so sved's
	# outbound mail leaves without touching the disk. As root it needs
	# an unprivileged user.
	local sink_user=()
	[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
	"$SMTP_SINK" "${sink_user[@]}" "127.0.0.1:$SINK_PORT" 1024 &
	SINK_PID=$!
	wait_port "$SINK_PORT"
	mkdir -p "$OUT"
	printf 'server\tsessions\tsize\trep\tmsgs\tseconds\tmsgs_per_s\tcpu_s\tpeak_rss_mib\tstored\tdrain_s\tend_to_end_msgs_per_s\taee_sent\trss_anon_end_mib\trss_file_end_mib\n' >"$RAW"
}

# write_sved_config writes a one-tenant configuration whose intake
# address is smtp-source's recipient.
write_sved_config() {
	local dir=$1 transport=$2
	cat >"$dir/sved.yaml" <<EOF
data_dir: $dir/data
hostname: mx.bench.invalid
smtp:
  listen: 127.0.0.1:$SVED_PORT
  # Every session of smtp-source comes from 127.0.0.1.
  max_connections_per_ip: 200
outbound:
  transport: $transport
  starttls: none
collectivites:
  - id: banc
    name: Commune de Banc
    prefix: BANC
    # smtp-source sends every message from one address: lift the daily
    # cap on AEEs to one address so that each message gets its AEE.
    ack_limit_per_day: 1000000
    from: "Mairie de Banc <$RECIPIENT>"
    reply:
      domain: reponse.mairie-banc.example
    intake:
      - address: $RECIPIENT
        service: accueil
    services:
      - id: accueil
        name: Accueil de la mairie
        mailbox: accueil@services.mairie-banc.example
    natures:
      - id: information
        label: Demande d'information
        service: accueil
        regime: aucun
EOF
}

start_server() {
	local server=$1 dir=$2
	case $server in
	sved | sved-dir)
		local transport="smtp://127.0.0.1:$SINK_PORT"
		[ "$server" = sved-dir ] && transport="dir:$dir/data/outbox"
		write_sved_config "$dir" "$transport"
		"$SVED" serve --config "$dir/sved.yaml" >"$dir/server.log" 2>&1 &
		SERVER_PID=$!
		wait_port "$SVED_PORT"
		;;
	mailpit)
		"$MAILPIT" --disable-version-check --smtp-disable-rdns --max 0 \
			--listen "127.0.0.1:$MAILPIT_HTTP_PORT" \
			--smtp "127.0.0.1:$MAILPIT_SMTP_PORT" \
			--database "$dir/mailpit.db" >"$dir/server.log" 2>&1 &
		SERVER_PID=$!
		wait_port "$MAILPIT_SMTP_PORT"
		# mailpit v1.33.1 sometimes answers "451 4.3.5" with "database is
		# closed" in its log for the first messages after start, so the
		# run waits for its HTTP API as well.
		wait_port "$MAILPIT_HTTP_PORT"
		curl -fsS --retry 20 --retry-connrefused --retry-delay 1 --max-time 10 \
			"http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1/messages?limit=1" >/dev/null
		;;
	*) die "unknown server $server" ;;
	esac
}

server_port() {
	case $1 in
	mailpit) echo "$MAILPIT_SMTP_PORT" ;;
	*) echo "$SVED_PORT" ;;
	esac
}

# wait_sved_outbound waits until sved has sent the forward of every
# dossier and every AEE it did not withhold, so its CPU time covers the
# whole work per message. sved withholds the AEE once one requester
# address has had too many in a day, and smtp-source uses one sender.
wait_sved_outbound() {
	local dir=$1 msgs=$2 deadline=$((SECONDS + RUN_TIMEOUT)) sent withheld want
	while :; do
		sent=$(grep -c 'msg="mail sent"' "$dir/server.log" || true)
		withheld=$(grep -c 'msg="acknowledgement withheld' "$dir/server.log" || true)
		want=$((2 * msgs - withheld))
		[ "$sent" -ge "$want" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && die "sved sent $sent of $want outbound mails in $RUN_TIMEOUT s; see $dir/server.log"
		sleep 0.05
	done
}

# count_stored prints how many items the server stored. For sved it is
# the count printed by "sved dossiers list" after the daemon stopped.
count_stored() {
	local server=$1 dir=$2
	case $server in
	mailpit)
		curl -fsS --max-time 10 "http://127.0.0.1:$MAILPIT_HTTP_PORT/api/v1/messages?limit=1" |
			sed -n 's/.*"total":\([0-9]*\).*/\1/p'
		;;
	*)
		"$SVED" dossiers list --config "$dir/sved.yaml" 2>/dev/null | sed -n 's/^\([0-9]*\) dossiers$/\1/p'
		;;
	esac
}

# run_one measures one server on one cell and appends a line to $RAW.
run_one() {
	local server=$1 sessions=$2 size=$3 rep=$4 msgs=$5
	local dir=$WORK/$server-$sessions-$size-$rep
	mkdir -p "$dir"
	start_server "$server" "$dir"

	local cpu0 t0 t1 cpu1 rss stored drain=0 aee=-
	cpu0=$(cpu_seconds "$SERVER_PID")
	t0=$(now)
	# -d keeps each session's connection open between messages.
	# smtp-source writes a distinct Message-Id into every message.
	if ! timeout "$RUN_TIMEOUT" "$SMTP_SOURCE" -d -s "$sessions" -m "$msgs" -l "$size" \
		-f "$SENDER" -t "$RECIPIENT" "127.0.0.1:$(server_port "$server")" >"$dir/source.log" 2>&1; then
		# A rejected message fails the run, not the benchmark: the logs
		# are kept, the failure is counted and the caller runs it again.
		local name=$server-$sessions-$size-$rep-$(date +%s)
		cp "$dir/source.log" "$OUT/failed-$name.source.log"
		cp "$dir/server.log" "$OUT/failed-$name.server.log"
		log "smtp-source failed against $server (sessions $sessions, size $size): $(tail -1 "$dir/source.log")"
		printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$sessions" "$size" "$rep" "$(tail -1 "$dir/source.log")" >>"$OUT/failures.tsv"
		stop_server
		rm -rf "$dir"
		return 1
	fi
	t1=$(now)
	if [ "$server" != mailpit ]; then
		wait_sved_outbound "$dir" "$msgs"
		drain=$(awk -v a="$t1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
		aee=$((msgs - $(grep -c 'msg="acknowledgement withheld' "$dir/server.log" || true)))
	fi
	cpu1=$(cpu_seconds "$SERVER_PID")
	rss=$(peak_rss_mib "$SERVER_PID")
	# RssFile counts pages of mapped files, such as sved's bbolt mmap.
	local rss_anon rss_file
	rss_anon=$(awk '/^RssAnon:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")
	rss_file=$(awk '/^RssFile:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")

	if [ "$server" = mailpit ]; then
		stored=$(count_stored "$server" "$dir")
		stop_server
	else
		if grep -q 'msg="duplicate item' "$dir/server.log"; then
			die "sved reported duplicates; the benchmark would measure the dedup path"
		fi
		stop_server
		stored=$(count_stored "$server" "$dir")
	fi
	[ "$stored" = "$msgs" ] || die "$server stored ${stored:-?} of $msgs messages; logs in $dir"

	local secs rate cpu e2e
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	rate=$(awk -v n="$msgs" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
	e2e=$(awk -v n="$msgs" -v s="$secs" -v d="$drain" 'BEGIN { printf "%.0f", n / (s + d) }')
	cpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$server" "$sessions" "$size" "$rep" "$msgs" "$secs" "$rate" "$cpu" "$rss" "$stored" "$drain" "$e2e" "$aee" "$rss_anon" "$rss_file" | tee -a "$RAW" >&2
	if [ -n "${KEEP_LOGS:-}" ]; then
		cp "$dir/server.log" "$OUT/$server-$sessions-$size-$rep.log"
	fi
	rm -rf "$dir"
}

# median prints the median of column $3 of $RAW for one server and cell.
median() {
	local server=$1 cell=$2 column=$3
	awk -F'\t' -v s="$server" -v c="$cell" -v k="$column" \
		'NR > 1 && $1 == s && ($2 "/" $3) == c { print $k }' "$RAW" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'
}

report() {
	local sessions size cell server
	printf '\nMedians of %s runs; raw results in %s\n\n' "$RUNS" "$RAW"
	printf '| sessions | size | server | msgs | msgs/s | CPU s | CPU ms/msg | peak RSS MiB | drain s | end-to-end msgs/s |\n'
	printf '| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
	for sessions in $SESSIONS; do
		for size in $SIZES; do
			cell=$sessions/$size
			for server in $SERVERS; do
				local rate cpu msgs
				rate=$(median "$server" "$cell" 7)
				cpu=$(median "$server" "$cell" 8)
				msgs=$(median "$server" "$cell" 5)
				printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$sessions" "$size" "$server" \
					"$msgs" "$rate" "$cpu" "$(awk -v c="$cpu" -v n="$msgs" 'BEGIN { printf "%.2f", 1000 * c / n }')" \
					"$(median "$server" "$cell" 9)" "$(median "$server" "$cell" 11)" "$(median "$server" "$cell" 12)"
			done
		done
	done
	if [[ " $SERVERS " == *" sved "* && " $SERVERS " == *" mailpit "* ]]; then
		printf '\n| sessions | size | rate sved/mailpit | CPU sved/mailpit | peak RSS sved/mailpit |\n'
		printf '| ---: | ---: | ---: | ---: | ---: |\n'
		for sessions in $SESSIONS; do
			for size in $SIZES; do
				cell=$sessions/$size
				printf '| %s | %s | %s | %s | %s |\n' "$sessions" "$size" \
					"$(ratio "$(median sved "$cell" 7)" "$(median mailpit "$cell" 7)")" \
					"$(ratio "$(median sved "$cell" 8)" "$(median mailpit "$cell" 8)")" \
					"$(ratio "$(median sved "$cell" 9)" "$(median mailpit "$cell" 9)")"
			done
		done
	fi
}

main() {
	setup
	local sessions size rep msgs var order server
	for sessions in $SESSIONS; do
		var=MSGS_$sessions
		msgs=${!var:-$MSGS}
		for size in $SIZES; do
			for rep in $(seq 1 "$RUNS"); do
				# Odd repetitions run the servers in the given order,
				# even ones in reverse, so neither always goes first.
				order=$SERVERS
				if [ $((rep % 2)) = 0 ]; then
					order=$(printf '%s\n' $SERVERS | tac | tr '\n' ' ')
				fi
				for server in $order; do
					run_one "$server" "$sessions" "$size" "$rep" "$msgs" ||
						run_one "$server" "$sessions" "$size" "$rep" "$msgs" ||
						die "$server failed twice in a row; logs in $OUT"
				done
			done
		done
	done
	report | tee "$OUT/summary.md"
	if [ -s "$OUT/failures.tsv" ]; then
		printf '\nFailed runs, each run again once (server, sessions, size, repetition, error):\n\n' | tee -a "$OUT/summary.md"
		tee -a "$OUT/summary.md" <"$OUT/failures.tsv"
	fi
}

main "$@"
