package config

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"os"
)

// tls checks tls_cert_file and tls_key_file: both or neither, each a
// readable regular file, and together a certificate and its private key.
// It returns the paths resolved against the config file's directory.
func (b *builder) tls(cert, key str) (certFile, keyFile string) {
	switch {
	case cert.Value == "" && key.Value == "":
		return "", ""
	case key.Value == "":
		b.problem(cert.Line, "tls_key_file", "is required when tls_cert_file is set")
		return "", ""
	case cert.Value == "":
		b.problem(key.Line, "tls_cert_file", "is required when tls_key_file is set")
		return "", ""
	}
	certFile, keyFile = resolve(b.file, cert.Value), resolve(b.file, key.Value)
	certOK := b.regularFile(cert, certFile, "tls_cert_file")
	keyOK := b.regularFile(key, keyFile, "tls_key_file")
	if certOK && keyOK {
		if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
			b.problem(cert.Line, "tls_cert_file", "%s and tls_key_file %s do not load as a certificate and its key: %v",
				cert.Value, key.Value, err)
		}
	}
	return certFile, keyFile
}

// regularFile reports whether path, as written in s, names a regular file
// that can be opened, reporting it at s's line when not. Devices and pipes
// are refused so that loading never blocks or reads without end.
func (b *builder) regularFile(s str, path, field string) bool {
	info, err := os.Stat(path)
	if err == nil && !info.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil {
		var f *os.File
		if f, err = os.Open(path); err == nil {
			f.Close()
		}
	}
	if err != nil {
		b.problem(s.Line, field, "%s cannot be read: %v", s.Value, unwrapPath(err))
		return false
	}
	return true
}

// unwrapPath drops the path an *os.PathError repeats, since the message
// names the file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
