package config_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// writeKeyPair writes a self-signed certificate and its key as PEM files
// named name.crt and name.key in dir.
func writeKeyPair(t *testing.T, dir, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "klaxon.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"klaxon.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	writePEM(t, filepath.Join(dir, name+".crt"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, name+".key"), "PRIVATE KEY", keyDER)
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
}

// tlsDir is a directory with two key pairs (a and b), a file that is not
// PEM, and a subdirectory.
func tlsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeKeyPair(t, dir, "a")
	writeKeyPair(t, dir, "b")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not pem\n"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "certs"), 0o755))
	return dir
}

func TestParseTLSFiles(t *testing.T) {
	dir := tlsDir(t)
	file := filepath.Join(dir, "klaxon.yaml")
	tests := []struct {
		name          string
		yaml          string
		cert, keyFile string
	}{
		{name: "neither means plain HTTP", yaml: "listen: :8443\n"},
		{name: "relative paths are resolved against the config file", yaml: "tls_cert_file: a.crt\ntls_key_file: a.key\n",
			cert: filepath.Join(dir, "a.crt"), keyFile: filepath.Join(dir, "a.key")},
		{name: "absolute paths are kept", yaml: "tls_cert_file: " + filepath.Join(dir, "b.crt") + "\ntls_key_file: " + filepath.Join(dir, "b.key") + "\n",
			cert: filepath.Join(dir, "b.crt"), keyFile: filepath.Join(dir, "b.key")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse(file, []byte(tt.yaml), nil)
			require.NoError(t, err)
			assert.Equal(t, tt.cert, cfg.TLSCertFile)
			assert.Equal(t, tt.keyFile, cfg.TLSKeyFile)
		})
	}
}

func TestParseTLSValidation(t *testing.T) {
	dir := tlsDir(t)
	file := filepath.Join(dir, "klaxon.yaml")
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{name: "certificate without key", yaml: "listen: :8443\ntls_cert_file: a.crt\n",
			want: "klaxon.yaml:2: tls_key_file: is required when tls_cert_file is set"},
		{name: "key without certificate", yaml: "tls_key_file: a.key\n",
			want: "klaxon.yaml:1: tls_cert_file: is required when tls_key_file is set"},
		{name: "missing certificate file", yaml: "tls_cert_file: nope.crt\ntls_key_file: a.key\n",
			want: "klaxon.yaml:1: tls_cert_file: nope.crt cannot be read: no such file or directory"},
		{name: "missing key file", yaml: "tls_cert_file: a.crt\ntls_key_file: nope.key\n",
			want: "klaxon.yaml:2: tls_key_file: nope.key cannot be read: no such file or directory"},
		{name: "a directory is not a certificate", yaml: "tls_cert_file: certs\ntls_key_file: a.key\n",
			want: "klaxon.yaml:1: tls_cert_file: certs cannot be read: not a regular file"},
		{name: "key of another certificate", yaml: "tls_cert_file: a.crt\ntls_key_file: b.key\n",
			want: "klaxon.yaml:1: tls_cert_file: a.crt and tls_key_file b.key do not load as a certificate and its key: tls: private key does not match public key"},
		{name: "certificate file that is not PEM", yaml: "tls_cert_file: junk.pem\ntls_key_file: a.key\n",
			want: "klaxon.yaml:1: tls_cert_file: junk.pem and tls_key_file a.key do not load as a certificate and its key: tls: failed to find any PEM data in certificate input"},
		{name: "key and certificate swapped", yaml: "tls_cert_file: a.key\ntls_key_file: a.crt\n",
			want: "klaxon.yaml:1: tls_cert_file: a.key and tls_key_file a.crt do not load as a certificate and its key: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse(file, []byte(tt.yaml), nil)
			require.Error(t, err)
			var errs yamlfile.Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "all problems: %v", err)
			got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			assert.True(t, strings.HasPrefix(got, tt.want), "got %q\nwant %q", got, tt.want)
		})
	}
}

func TestParseTLSNeverEchoesTheKey(t *testing.T) {
	dir := tlsDir(t)
	key, err := os.ReadFile(filepath.Join(dir, "b.key"))
	require.NoError(t, err)
	_, err = config.Parse(filepath.Join(dir, "klaxon.yaml"), []byte("tls_cert_file: a.crt\ntls_key_file: b.key\n"), nil)
	require.Error(t, err)
	block, _ := pem.Decode(key)
	require.NotNil(t, block)
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	assert.NotContains(t, err.Error(), strings.Split(string(key), "\n")[1], "no line of the key's PEM")
}
