package server

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/klaxonhq/klaxon/config"
)

// Listen opens the listener cfg asks for: HTTPS on cfg.Listen when
// tls_cert_file and tls_key_file are set, plain HTTP otherwise (behind a
// proxy that terminates TLS).
func Listen(cfg *config.Config) (net.Listener, error) {
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
		}
		return ln, nil
	}
	return ListenTLS(cfg.Listen, cfg.TLSCertFile, cfg.TLSKeyFile)
}

// ListenTLS listens on the TCP address addr and serves TLS 1.2 or later
// with the PEM certificate chain in certFile and its private key in
// keyFile, offering HTTP/2 and HTTP/1.1. Hand the listener to Run. The
// files are read once: a renewed certificate takes a restart.
func ListenTLS(addr, certFile, keyFile string) (net.Listener, error) {
	tlsCfg, err := TLSConfig(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return tls.NewListener(ln, tlsCfg), nil
}

// TLSConfig is the server side of Klaxon's HTTPS: the certificate and key
// in certFile and keyFile, TLS 1.2 at least (with Go's default cipher
// suites, all with forward secrecy), HTTP/2 and HTTP/1.1 by ALPN.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}
