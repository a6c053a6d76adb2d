package sip

import "net/netip"

func mustParseAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func mustParseAddrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
