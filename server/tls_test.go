package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/rosters"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// dir as PEM files and returns their paths and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "klaxon test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "klaxon.crt"), filepath.Join(dir, "klaxon.key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool = x509.NewCertPool()
	pool.AddCert(leaf)
	return certFile, keyFile, pool
}

// httpsClient trusts pool and offers TLS 1.0 up to version max (0: the
// newest), so that it is the server that refuses old versions.
func httpsClient(pool *x509.CertPool, max uint16, http2 bool) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: http2,
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: max}}}
}

// serveHello serves a fixed answer on ln until the test ends.
func serveHello(t *testing.T, ln net.Listener) {
	t.Helper()
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello over "+r.Proto)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestListenTLSServesHTTPS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	ln, err := ListenTLS("127.0.0.1:0", certFile, keyFile)
	require.NoError(t, err)
	serveHello(t, ln)
	url := "https://" + ln.Addr().String() + "/"

	t.Run("HTTP/1.1", func(t *testing.T) {
		resp, body := get(t, httpsClient(pool, 0, false), url)
		assert.Equal(t, "hello over HTTP/1.1", body)
		assert.GreaterOrEqual(t, resp.TLS.Version, uint16(tls.VersionTLS12))
	})
	t.Run("HTTP/2", func(t *testing.T) {
		_, body := get(t, httpsClient(pool, 0, true), url)
		assert.Equal(t, "hello over HTTP/2.0", body)
	})
	t.Run("TLS 1.2", func(t *testing.T) {
		resp, _ := get(t, httpsClient(pool, tls.VersionTLS12, false), url)
		assert.Equal(t, uint16(tls.VersionTLS12), resp.TLS.Version)
	})
	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		_, err := httpsClient(pool, tls.VersionTLS11, false).Get(url)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "protocol version")
	})
	t.Run("plain HTTP is refused", func(t *testing.T) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			defer resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		}
	})
}

func TestListenTLSRefusesUnloadableFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := selfSigned(t, dir)
	tests := []struct{ name, cert, key string }{
		{"missing key", certFile, filepath.Join(dir, "nope.key")},
		{"certificate as key", certFile, certFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := ListenTLS("127.0.0.1:0", tt.cert, tt.key)
			require.Error(t, err)
			assert.Nil(t, ln)
			assert.Contains(t, err.Error(), "load TLS certificate")
		})
	}
}

func TestListenFollowsTheConfig(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())

	plain, err := Listen(&config.Config{Listen: "127.0.0.1:0"})
	require.NoError(t, err)
	serveHello(t, plain)
	_, body := get(t, http.DefaultClient, "http://"+plain.Addr().String()+"/")
	assert.Equal(t, "hello over HTTP/1.1", body)

	secure, err := Listen(&config.Config{Listen: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: keyFile})
	require.NoError(t, err)
	serveHello(t, secure)
	_, body = get(t, httpsClient(pool, 0, false), "https://"+secure.Addr().String()+"/")
	assert.Equal(t, "hello over HTTP/1.1", body)

	_, err = Listen(&config.Config{Listen: "127.0.0.1:-1"})
	assert.ErrorContains(t, err, "listen on 127.0.0.1:-1")
}

// Run serves Klaxon's whole interface over a TLS listener.
func TestRunServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "rosters"), 0o755))
	roster := "team: ops\ntimezone: UTC\npeople:\n  - id: alice\n    phone: \"+15551230001\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rosters", "ops.yaml"), []byte(roster), 0o644))
	cfgYAML := "listen: 127.0.0.1:0\ntls_cert_file: klaxon.crt\ntls_key_file: klaxon.key\n" +
		"api_tokens:\n  - name: ops\n    token: tls-api-token\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "klaxon.yaml"), []byte(cfgYAML), 0o644))
	cfg, err := config.Load(filepath.Join(dir, "klaxon.yaml"))
	require.NoError(t, err)
	require.Equal(t, certFile, cfg.TLSCertFile)
	require.Equal(t, keyFile, cfg.TLSKeyFile)
	rs, err := rosters.LoadDir(cfg.Rosters)
	require.NoError(t, err)
	srv, err := New(cfg, rs, Options{Clock: enginetest.NewClock(time.Now()), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer srv.Close()

	ln, err := Listen(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	c := httpsClient(pool, 0, true)
	resp, _ := get(t, c, "https://"+ln.Addr().String()+"/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	req, err := http.NewRequest(http.MethodGet, "https://"+ln.Addr().String()+"/v1/incidents", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tls-api-token")
	resp, err = c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, resp.ProtoMajor)
	cancel()
	require.NoError(t, <-done)
}
