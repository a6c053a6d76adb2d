// Package peertest holds the media layer's tests against real peers: sipp
// (Debian sip-tester) placing calls with G.711 audio and RFC 4733 DTMF
// from the pcap files it ships, and running REGISTER scenarios against
// the registrar; baresip calling and recording, and registered as an
// agent (digest authentication) answering the calls the server places
// with DialUser. The tests skip when a peer is not installed, unless
// SWITCHBOARD_REQUIRE_SIPP=1 or SWITCHBOARD_REQUIRE_BARESIP=1 (make test
// installs the peers and sets both).
package peertest
