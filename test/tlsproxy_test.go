package test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// tlsProxy is a loopback HTTP proxy for clients that insist on https, such as Docusign's
// Node SDK for its OAuth calls. The proxy terminates each CONNECT tunnel with TLS under a
// self-signed certificate and copies the decrypted bytes unchanged to target. It forwards
// a plain proxied request to target as is.
type tlsProxy struct {
	URL      string // http://127.0.0.1:PORT
	CertFile string // PEM certificate that clients must trust
}

// startTLSProxy starts a proxy in front of target (an http:// origin) until the test ends.
func startTLSProxy(t *testing.T, target string) tlsProxy {
	t.Helper()
	targetURL, err := url.Parse(target)
	if err != nil {
		t.Fatalf("parse target %q: %v", target, err)
	}
	cert, certPEM := selfSignedCert(t)
	certFile := filepath.Join(t.TempDir(), "proxy-cert.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatalf("write certificate: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var tunnels sync.WaitGroup
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	forward := httputil.NewSingleHostReverseProxy(targetURL)
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodConnect {
				forward.ServeHTTP(w, r)
				return
			}
			tunnels.Add(1)
			defer tunnels.Done()
			tunnel(t, w, targetURL.Host, tlsConfig)
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		tunnels.Wait()
	})
	return tlsProxy{URL: "http://" + ln.Addr().String(), CertFile: certFile}
}

// tunnel accepts a CONNECT request, terminates TLS and copies bytes to and from target.
func tunnel(t *testing.T, w http.ResponseWriter, target string, cfg *tls.Config) {
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "hijacking not supported", http.StatusInternalServerError)
		return
	}
	client, _, err := hijacker.Hijack()
	if err != nil {
		t.Errorf("hijack CONNECT: %v", err)
		return
	}
	defer client.Close()
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	secure := tls.Server(client, cfg)
	if err := secure.Handshake(); err != nil {
		t.Logf("TLS handshake with the proxy client failed: %v", err)
		return
	}
	upstream, err := net.Dial("tcp", target)
	if err != nil {
		t.Errorf("dial %s: %v", target, err)
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, secure); done <- struct{}{} }()
	go func() { _, _ = io.Copy(secure, upstream); done <- struct{}{} }()
	<-done
}

// selfSignedCert returns a certificate for 127.0.0.1 and localhost, valid for an hour.
func selfSignedCert(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "docusign-mcp test proxy"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("load key pair: %v", err)
	}
	return cert, certPEM
}
