# SPDX-License-Identifier: Apache-2.0
# Frames for the nic suite (66-nic): send crafted ones out of an interface (run in a
# container's network namespace through nsenter -n), or sniff one until a
# good frame arrives, saying whether a bad one came first; or solicit a
# router advertisement and print its DNS options. Test code.
import socket, struct, sys, time

def mac(s): return bytes.fromhex(s.replace(':', ''))
def ip4(s): return socket.inet_pton(socket.AF_INET, s)
def ip6(s): return socket.inet_pton(socket.AF_INET6, s)

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def eth(dst, src, etype, payload): return mac(dst) + mac(src) + struct.pack('!H', etype) + payload

def udp4(src, dst, sport, dport, data):
    u = struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + u

def arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mac(sha) + ip4(spa) + mac(tha) + ip4(tpa)

def icmp6(src, dst, body):
    pseudo = ip6(src) + ip6(dst) + struct.pack('!I3xB', len(body), 58)
    body = body[:2] + struct.pack('!H', csum(pseudo + body)) + body[4:]
    return struct.pack('!IHBB', 0x60000000, len(body), 58, 255) + ip6(src) + ip6(dst) + body

def frame(kind, a):
    # a: smac dmac sip dip marker [extra]
    smac, dmac, sip, dip, marker = a[:5]
    m = marker.encode()
    if kind == 'udp':
        return eth(dmac, smac, 0x0800, udp4(sip, dip, 40000, 5000, m))
    if kind == 'udp67':  # a DHCP server's answer (to the client port)
        return eth('ff:ff:ff:ff:ff:ff', smac, 0x0800, udp4(sip, '255.255.255.255', 67, 68, m))
    if kind == 'discover':  # a DHCP client's discover, from 0.0.0.0
        return eth('ff:ff:ff:ff:ff:ff', smac, 0x0800, udp4('0.0.0.0', '255.255.255.255', 68, 67, m))
    if kind == 'arp':  # a request with sender (a[5] or smac, sip), target dip; marker ignored
        sha = a[5] if len(a) > 5 else smac
        return eth('ff:ff:ff:ff:ff:ff', smac, 0x0806, arp(1, sha, sip, '00:00:00:00:00:00', dip))
    if kind == 'vlan':
        inner = struct.pack('!HH', 5, 0x0800) + udp4(sip, dip, 40000, 5000, m)
        return eth(dmac, smac, 0x8100, inner)
    if kind == 'ra':  # a router advertisement, from sip (link-local)
        body = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0) + m
        return eth('33:33:00:00:00:01', smac, 0x86dd, icmp6(sip, 'ff02::1', body))
    if kind == 'na':  # a neighbour advertisement for target a[5], from sip
        body = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + ip6(a[5]) + m
        return eth('33:33:00:00:00:01', smac, 0x86dd, icmp6(sip, 'ff02::1', body))
    if kind == 'echo6':
        body = struct.pack('!BBHHH', 128, 0, 0, 1, 1) + m
        return eth(dmac, smac, 0x86dd, icmp6(sip, dip, body))
    raise SystemExit('unknown frame ' + kind)

def ra_options(iface):
    # a router solicitation out of IFACE, then the first advertisement's DNS options:
    # "rdnss ADDR..." (RFC 8106 type 25), "dnssl" (31), or "none"
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.settimeout(10)
    s.sendto(struct.pack('!BBHI', 133, 0, 0, 0), ('ff02::2', 0, 0, socket.if_nametoindex(iface)))
    while True:
        p = s.recv(65535)
        if p[0] != 134:
            continue
        out, o = [], 16
        while o + 8 <= len(p) and p[o + 1]:
            t, n = p[o], p[o + 1] * 8
            if t == 25:
                out.append('rdnss ' + ' '.join(socket.inet_ntop(socket.AF_INET6, p[k:k + 16])
                                               for k in range(o + 8, o + n, 16)))
            if t == 31:
                out.append('dnssl')
            o += n
        print('\n'.join(out) or 'none', flush=True)
        return 0

def main():
    if sys.argv[1] == 'ra':  # ra IFACE
        return ra_options(sys.argv[2])
    if sys.argv[1] == 'send':  # send IFACE KIND ARGS...
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[2], 0))
        s.send(frame(sys.argv[3], sys.argv[4:]))
        return 0
    # sniff IFACE BAD GOOD: hex byte strings to look for; prints "bad" or "good only"
    iface, bad, good = sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    s.settimeout(20)
    print('ready', flush=True)
    seen = False
    try:
        while True:
            f = s.recv(65535)
            if bad in f: seen = True
            if good in f:
                print('bad' if seen else 'good only', flush=True)
                return 0
    except socket.timeout:
        print('timeout', flush=True)
        return 1

sys.exit(main())
