package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Redis is a redis-server the bench started, persisting as production
// should: append-only file fsynced on every write.
type Redis struct {
	addr string
	proc *process
}

// StartRedis starts redis-server on a free loopback port with its data in
// dir, installing the Debian package redis-server when it is missing.
func StartRedis(ctx context.Context, dir string, log func(string)) (*Redis, error) {
	bin, err := ensureInstalled(ctx, "redis-server", "redis-server", log)
	if err != nil {
		return nil, err
	}
	for range startTries {
		var r *Redis
		if r, err = launchRedis(ctx, bin, dir); err == nil || ctx.Err() != nil {
			return r, err
		}
	}
	return nil, err
}

// launchRedis starts redis-server on a port found free, and waits until it
// answers.
func launchRedis(ctx context.Context, bin, dir string) (*Redis, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--logfile", ""}
	proc, err := startProcess(bin, args, filepath.Join(dir, "redis.log"))
	if err != nil {
		return nil, err
	}
	r := &Redis{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), proc: proc}
	if err := proc.awaitReady(ctx, r.ready); err != nil {
		proc.stop()
		return nil, err
	}
	return r, nil
}

// URL is the server's redis:// URL.
func (r *Redis) URL() string { return "redis://" + r.addr }

// PID is the server's process id.
func (r *Redis) PID() int { return r.proc.pid() }

// Stop stops the server and waits for it to exit.
func (r *Redis) Stop() { r.proc.stop() }

// ready checks that the server answering is this one (another process
// may have taken the port found free) and that it has loaded its data.
func (r *Redis) ready(ctx context.Context) error {
	info, err := r.command(ctx, "INFO", "server")
	if err != nil {
		return err
	}
	if pid, _ := infoField(info, "process_id"); pid != strconv.Itoa(r.proc.pid()) {
		return fmt.Errorf("the server on %s is process %s, not ours", r.addr, pid)
	}
	reply, err := r.command(ctx, "PING")
	if err == nil && reply != "PONG" {
		err = fmt.Errorf("PING answered %q", reply)
	}
	return err
}

// infoField finds a field of an INFO reply.
func infoField(info, name string) (string, bool) {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v, true
		}
	}
	return "", false
}

// UsedMemory returns INFO memory's used_memory: the bytes Redis's allocator
// holds for data and overhead.
func (r *Redis) UsedMemory(ctx context.Context) (int64, error) {
	info, err := r.command(ctx, "INFO", "memory")
	if err != nil {
		return 0, err
	}
	v, ok := infoField(info, "used_memory")
	if !ok {
		return 0, errors.New("INFO memory has no used_memory")
	}
	return strconv.ParseInt(v, 10, 64)
}

// command sends one command on a new connection and returns a simple,
// integer or bulk string reply.
func (r *Redis) command(ctx context.Context, args ...string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = conn.SetDeadline(deadline)
	var req strings.Builder
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(req.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

// readReply reads one RESP reply that is not an array.
func readReply(br *bufio.Reader) (string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
