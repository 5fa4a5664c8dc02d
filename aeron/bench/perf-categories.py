#!/usr/bin/env python3
"""CPU per message by category from `perf script` output of a BridgeBenchmark throughput run
(README, "CPU per message, per function"). Usage: perf-categories.py plain.txt [MESSAGES]
Each sample is charged to the innermost frame of its stack that matches a category (JIT and GC
threads apart); with MESSAGES (all messages of the run, warm-up included) it prints ns/msg from the
samples' period (perf record's default 4000 Hz: 250 us)."""
import sys, re, collections
PERIOD_NS = 250_000
MSGS = float(sys.argv[2]) if len(sys.argv) > 2 else 0
# perf script output: header line "comm tid ... cpu-clock:" then frames "\t addr sym (dso)", blank line between samples
CATS = [
 ('idle: sched_yield/park/futex', r'sched_yield|__x64_sys_futex|futex_wait|nanosleep|do_nanosleep|Unsafe_Park|Parker::park|LockSupport\.park|YieldingIdleStrategy|BackoffIdleStrategy\.idle|Thread\.yield|JVM_Yield'),
 ('driver: UDP send syscall', r'__sys_sendmsg|__sys_sendto|sendmsg|sendto|udp_sendmsg'),
 ('driver: UDP receive syscall', r'__sys_recvmsg|__sys_recvfrom|recvfrom|recvmsg|udp_recvmsg'),
 ('driver: sender (other)', r'io\.aeron\.driver\.Sender|NetworkPublication'),
 ('driver: receiver (other)', r'io\.aeron\.driver\.Receiver|DataTransportPoller|PublicationImage|ReceiveChannelEndpoint'),
 ('driver: conductor', r'io\.aeron\.driver\.DriverConductor|io\.aeron\.driver\.ClientCommandAdapter'),
 ('client conductor', r'io\.aeron\.ClientConductor'),
 ('ring send (producer/inbound claim, copy, commit)', r'ManyToOneSender|OneToOneSender|Sender\.trySend'),
 ('ring receive (poll, deliver, zeroing)', r'ManyToOneReceiver|OneToOneReceiver|channel\.Receiver\.'),
 ('outbound: framing/staging copy', r'OutboundBridge\.(onMessage|stageMessage|flush)|OutboundBridge\$\$Lambda'),
 ('aeron offer (term append)', r'Publication\.offer|ExclusiveTermAppender|TermAppender|ExclusivePublication'),
 ('inbound: unframe, sequence judge, status slot', r'InboundBridge|SequenceTracker'),
 ('aeron poll + fragment assembly', r'FragmentAssembler|Image\.(controlledPoll|poll)|Subscription\.(controlledPoll|poll)|TermReader'),
 ('bridge status publish/heartbeat', r'Bridge\.publish|BridgeStatus|OutboundBridge\.publish|InboundBridge\.publish'),
 ('bench app loop', r'BridgeBenchmark'),
 ('bridge host loop/agent invoke', r'BridgeHost|AgentInvoker|Bridge\.hostedCycle|OutboundBridge\.doWork|InboundBridge\.doWork'),
 ('interpreter', r'Interpreter'),
]
comp = [(n, re.compile(p)) for n, p in CATS]
def thread_group(comm):
    if 'Compiler' in comm: return 'JIT'
    if comm.startswith('GC') or comm.startswith('G1'): return 'GC'
    return comm
per = collections.defaultdict(collections.Counter)
tot = collections.Counter()
cur = None; frames = []
def flush():
    global cur, frames
    if cur is None: return
    g = thread_group(cur)
    cat = 'other'
    for f in frames:
        for n, rx in comp:
            if rx.search(f):
                cat = n; break
        if cat != 'other': break
    if g in ('JIT', 'GC'): cat = g
    per[g][cat] += 1; tot[cat] += 1
    cur = None; frames = []
for line in open(sys.argv[1], errors='replace'):
    if not line.strip():
        flush(); continue
    if not line.startswith('\t') and not line.startswith(' '):
        flush()
        m = re.match(r'^(.*?)\s+(\d+)\s', line)
        cur = m.group(1).strip() if m else line.split()[0]
        frames = []
    else:
        frames.append(line.strip())
flush()
N = sum(tot.values())
nonjit = sum(v for k, v in tot.items() if k not in ('JIT', 'GC'))
print(f'samples {N}, without JIT/GC {nonjit}')
for k, v in tot.most_common():
    ns = f'{v*PERIOD_NS/MSGS:6.0f} ns/msg  ' if MSGS else ''
    print(f'  {ns}{100*v/N:5.1f}%  ({100*v/max(1,nonjit) if k not in ("JIT","GC") else 0:5.1f}% of non-JIT)  {k}')
print('per thread:')
for g, c in sorted(per.items(), key=lambda x: -sum(x[1].values())):
    s = sum(c.values())
    if s * 100 < N: continue
    print(f'  {g}: {100*s/N:.1f}%: ' + ', '.join(f'{k} {100*v/N:.1f}' for k, v in c.most_common(6)))
