package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// target is where every request of a run goes: the address to dial and
// the request's head up to its Content-Length value, the same for every
// request.
type target struct {
	addr string
	head []byte // "POST /path HTTP/1.1\r\nHost: ...\r\n...Content-Length: "
}

func newTarget(rawURL string, header http.Header) (*target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("load: URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("load: URL %q must be http://host[:port]/path", rawURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	h := header.Clone()
	h.Del("Host")
	h.Del("Content-Length")
	if err := h.Write(&b); err != nil {
		return nil, err
	}
	b.WriteString("Content-Length: ")
	return &target{addr: addr, head: b.Bytes()}, nil
}

// conn posts requests to the target over one kept-alive HTTP/1.1
// connection, dialled when first needed and again after the server closes
// it. It does what net/http's Transport does for one connection without the
// Transport's two goroutines per connection and their hand-offs per
// request: the generator shares the machine's cores with the server it
// measures, and what it spends is taken from that server.
type conn struct {
	target  *target
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	head    []byte
	served  int // requests answered on nc
	stop    func() bool
}

func newConn(t *target, timeout time.Duration) *conn {
	return &conn{target: t, timeout: timeout}
}

// post sends body and reads the answer, returning its status. A connection
// the server closed between requests is dialled again and the request sent
// once more, as net/http does for a request no byte of whose answer came.
func (c *conn) post(ctx context.Context, body []byte) (int, error) {
	reused := c.nc != nil && c.served > 0
	status, answered, err := c.try(ctx, body)
	if err != nil && reused && !answered && ctx.Err() == nil {
		status, _, err = c.try(ctx, body)
	}
	return status, err
}

// try sends body once; answered reports whether any byte of an answer came.
func (c *conn) try(ctx context.Context, body []byte) (status int, answered bool, err error) {
	if c.nc == nil {
		if err := c.dial(ctx); err != nil {
			return 0, false, err
		}
	}
	if err := c.nc.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, false, c.fail(err)
	}
	if err := ctx.Err(); err != nil { // ended before the deadline was set
		return 0, false, c.fail(err)
	}
	c.head = strconv.AppendInt(append(c.head[:0], c.target.head...), int64(len(body)), 10)
	c.head = append(c.head, "\r\n\r\n"...)
	bufs := net.Buffers{c.head, body}
	if _, err := bufs.WriteTo(c.nc); err != nil {
		return 0, false, c.fail(err)
	}
	if _, err := c.br.Peek(1); err != nil {
		return 0, false, c.fail(err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, true, c.fail(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, true, c.fail(err)
	}
	c.served++
	if resp.Close {
		c.close()
	}
	return resp.StatusCode, true, nil
}

func (c *conn) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.target.addr)
	if err != nil {
		return err
	}
	c.nc, c.served = nc, 0
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	// A request in flight when ctx ends is cut short, as net/http's would be.
	c.stop = context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	return nil
}

// fail closes the connection after err, which it returns.
func (c *conn) fail(err error) error {
	c.close()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("connection closed before the answer: %w", err)
	}
	return err
}

func (c *conn) close() {
	if c.nc == nil {
		return
	}
	c.stop()
	_ = c.nc.Close()
	c.nc = nil
}
