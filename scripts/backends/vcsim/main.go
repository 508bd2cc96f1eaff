// Minimal vCenter simulator launcher built from Debian's golang-github-vmware-govmomi-dev (simulator package):
//   GOPATH=$B:/usr/share/gocode GO111MODULE=off go build -o vcsimlite vcsimlite
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("l", "127.0.0.1:8989", "listen address")
	user := flag.String("u", "user:pass", "username:password")
	useTLS := flag.Bool("tls", true, "serve https (self-signed)")
	flag.Parse()
	m := simulator.VPX() // 1 datacenter DC0, hosts, VMs, datastore LocalDS_0 (a temp dir under $TMPDIR)
	m.Datastore = 1
	defer m.Remove()
	if err := m.Create(); err != nil {
		panic(err)
	}
	name, pass, _ := strings.Cut(*user, ":")
	// With the user on the listen URL the simulator checks the password at Login.
	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(name, pass)}
	if *useTLS {
		m.Service.TLS = new(tls.Config)
	}
	simulator.DefaultLogin = url.UserPassword(name, pass)
	s := m.Service.NewServer()
	fmt.Printf("VCSIM_URL=%s\n", s.URL)
	ds := simulator.Map.Any("Datastore").(*simulator.Datastore)
	fmt.Printf("DATASTORE=%s\n", ds.Name)
	fmt.Printf("DATASTORE_DIR=%s\n", ds.Info.GetDatastoreInfo().Url)
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	<-c
	s.Close()
}
