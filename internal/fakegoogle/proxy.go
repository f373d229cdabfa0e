package fakegoogle

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakehttp"
)

// Proxy is an HTTP CONNECT proxy on 127.0.0.1 that terminates TLS for a
// fixed set of host names, with leaf certificates minted by a throwaway CA,
// and serves each with its handler. It never dials anything: CONNECT to any
// other host is refused with 403. Point clients at it with HTTPS_PROXY=URL
// and SSL_CERT_FILE=a file holding CAPEM.
type Proxy struct {
	URL string // "http://127.0.0.1:PORT"

	srv      *http.Server
	done     chan struct{}
	ca       *fakehttp.CA
	handlers map[string]http.Handler

	mu      sync.Mutex
	hosts   map[string]*tlsHost // handler key -> its TLS server
	refused []string
	closed  bool
}

// tlsHost serves the TLS connections tunnelled to one named host.
type tlsHost struct {
	srv  *http.Server
	conf *tls.Config
	ln   *connListener
}

// NewProxy starts a proxy serving handlers, keyed by host name ("host") or
// authority ("host:port"). The caller must Close it.
func NewProxy(handlers map[string]http.Handler) (*Proxy, error) {
	ca, err := fakehttp.NewCA("fakegoogle throwaway CA")
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: listen: %w", err)
	}
	p := &Proxy{
		URL:      "http://" + ln.Addr().String(),
		done:     make(chan struct{}),
		ca:       ca,
		handlers: handlers,
		hosts:    make(map[string]*tlsHost),
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.done)
		p.srv.Serve(ln)
	}()
	return p, nil
}

// CAPEM returns the throwaway CA certificate in PEM.
func (p *Proxy) CAPEM() []byte { return append([]byte(nil), p.ca.PEM...) }

// WriteCA writes the CA certificate in PEM to path, for SSL_CERT_FILE.
func (p *Proxy) WriteCA(path string) error {
	if err := os.WriteFile(path, p.ca.PEM, 0o644); err != nil {
		return fmt.Errorf("fakegoogle: write CA: %w", err)
	}
	return nil
}

// Refused returns the authorities of the CONNECT and proxy requests the
// proxy refused, in order: what a client tried to reach for real.
func (p *Proxy) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

// Close stops the proxy and every tunnelled connection.
func (p *Proxy) Close() {
	p.srv.Close()
	<-p.done
	p.mu.Lock()
	p.closed = true
	hosts := p.hosts
	p.mu.Unlock()
	for _, h := range hosts {
		h.srv.Close()
	}
}

// handlerKey finds the handlers entry for an authority: exact, then by host.
func (p *Proxy) handlerKey(authority string) (string, bool) {
	if _, ok := p.handlers[authority]; ok {
		return authority, true
	}
	host, _, err := net.SplitHostPort(authority)
	if err != nil {
		host = authority
	}
	_, ok := p.handlers[host]
	return host, ok
}

func (p *Proxy) refuse(w http.ResponseWriter, authority string) {
	p.mu.Lock()
	p.refused = append(p.refused, authority)
	p.mu.Unlock()
	http.Error(w, "fakegoogle proxy: "+authority+" is not a faked host; refusing to connect", http.StatusForbidden)
}

// serve answers CONNECT by tunnelling into the named host's TLS server, and
// a plain proxy request for a named host by calling its handler.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	key, ok := p.handlerKey(r.Host)
	if !ok {
		p.refuse(w, r.Host)
		return
	}
	if r.Method != http.MethodConnect {
		p.handlers[key].ServeHTTP(w, r)
		return
	}
	h, err := p.tlsHost(key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "fakegoogle proxy: hijack: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	h.ln.push(tls.Server(bufferedConn{conn, brw.Reader}, h.conf))
}

// tlsHost returns, starting it on first use, the TLS server for a key.
func (p *Proxy) tlsHost(key string) (*tlsHost, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("fakegoogle proxy: closed")
	}
	if h, ok := p.hosts[key]; ok {
		return h, nil
	}
	cert, err := p.leaf(key)
	if err != nil {
		return nil, err
	}
	h := &tlsHost{
		srv:  &http.Server{Handler: p.handlers[key], ReadHeaderTimeout: 10 * time.Second},
		conf: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
		ln:   newConnListener(),
	}
	go h.srv.Serve(h.ln)
	p.hosts[key] = h
	return h, nil
}

// leaf mints a server certificate for the host of key.
func (p *Proxy) leaf(key string) (tls.Certificate, error) {
	host, _, err := net.SplitHostPort(key)
	if err != nil {
		host = key
	}
	cert, err := p.ca.Leaf(host)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakegoogle proxy: %w", err)
	}
	return cert, nil
}

// bufferedConn reads first what the hijacked reader already buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// connListener is a net.Listener fed with tunnelled connections.
type connListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener() *connListener {
	return &connListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
