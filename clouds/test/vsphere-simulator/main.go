// A real VMware vCenter simulator (govmomi's simulator library, the one behind vcsim) for the
// vSphere provider's tests: Debian ships the library but not the vcsim command.
// It serves the default vCenter model on the given address, prints one JSON line when it is
// ready (its SOAP URL and, with -tls, the PEM of its self-signed certificate), and on SIGTERM
// stops and removes its temporary datastore folders. The password comes from the environment,
// never from argv, so it does not show in the process list.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
)

type ready struct {
	URL         string `json:"url"`
	Certificate string `json:"certificate,omitempty"`
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (loopback only)")
	withTLS := flag.Bool("tls", false, "serve https with a self-signed certificate for 127.0.0.1")
	username := flag.String("username", "vlm", "the one user name the simulator accepts")
	delay := flag.Duration("task-delay", 0, "VM power tasks stay running this long before they end (0: they end at once, as in the simulator)")
	pages := flag.Int("page-limit", 0, "at most this many objects per property collector page (0: no limit, as the simulator)")
	flag.Parse()

	password := os.Getenv("VSPHERE_SIMULATOR_PASSWORD")
	if password == "" {
		fail("VSPHERE_SIMULATOR_PASSWORD is not set")
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fail("-listen must be a loopback address with a port, such as 127.0.0.1:0")
	}

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		model.Remove()
		fail("creating the vCenter model: " + err.Error())
	}
	if *delay > 0 {
		useSlowTasks(*delay)
	}
	if *pages > 0 {
		usePaging(*pages)
	}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, password)}

	var certificate string
	if *withTLS {
		config, pemText, err := selfSigned(host)
		if err != nil {
			model.Remove()
			fail("making the TLS certificate: " + err.Error())
		}
		model.Service.TLS = config
		certificate = pemText
	}

	server := model.Service.NewServer()
	served := *server.URL
	served.User = nil
	line, _ := json.Marshal(ready{URL: served.String(), Certificate: certificate})
	fmt.Println(string(line))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	server.Close()
	model.Remove()
}

// selfSigned makes a certificate for the loopback address that is its own CA, so a client can
// trust exactly it through a CA file.
func selfSigned(host string) (*tls.Config, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, "", err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vlm vSphere simulator"},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP(host)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	pair := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return &tls.Config{Certificates: []tls.Certificate{pair}}, pemText, nil
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "vsphere-simulator: "+message)
	os.Exit(1)
}
