// Package control serves the running daemon's dossiers and intake to the
// sved command line over a Unix socket in the data folder.
//
// bbolt lets one process open the store file for writing, so while
// `sved serve` runs, `sved dossiers` and `sved ingest` reach the store
// through this socket instead. The socket file is created with mode 0600:
// only the user that runs sved can use it.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// SocketName is the socket's file name inside the data folder.
const SocketName = "sved.sock"

// Reader is the read side of the store that the command line needs.
type Reader interface {
	List(f store.ListFilter) ([]dossier.Dossier, error)
	Get(ref string) (*dossier.Dossier, error)
	Journal(ref string) ([]dossier.Event, error)
	Mails(ref string) ([]store.OutboundMail, error)
	DueBefore(date deadline.Date, kinds ...dossier.DueKind) ([]store.DueItem, error)
	Messages(ref string) ([][]byte, error)
}

// Deliverer is the intake pipeline.
type Deliverer interface {
	Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error)
}

// Details is a dossier with its journal and mails, as `sved dossiers
// show` prints it.
type Details struct {
	Dossier dossier.Dossier      `json:"dossier"`
	Journal []dossier.Event      `json:"journal"`
	Mails   []store.OutboundMail `json:"mails"`
	// Messages describes the further messages of the dossier, after
	// the request itself, oldest first.
	Messages []MessageSummary `json:"messages,omitempty"`
}

// MessageSummary describes one further message of a dossier.
type MessageSummary struct {
	N           int                  `json:"n"` // 1 for the first message after the request
	From        string               `json:"from"`
	Subject     string               `json:"subject"`
	MessageID   string               `json:"message_id,omitempty"`
	Size        int                  `json:"size"`
	Attachments []dossier.Attachment `json:"attachments,omitempty"`
}

// LoadDetails reads a dossier with its journal and mails.
func LoadDetails(r Reader, ref string) (*Details, error) {
	d, err := r.Get(ref)
	if err != nil {
		return nil, err
	}
	journal, err := r.Journal(ref)
	if err != nil {
		return nil, err
	}
	mails, err := r.Mails(ref)
	if err != nil {
		return nil, err
	}
	raws, err := r.Messages(ref)
	if err != nil {
		return nil, err
	}
	det := &Details{Dossier: *d, Journal: journal, Mails: mails}
	for i := 1; i < len(raws); i++ {
		det.Messages = append(det.Messages, summarize(i, raws[i]))
	}
	return det, nil
}

// summarize parses a further message of a dossier for the listing.
func summarize(n int, raw []byte) MessageSummary {
	m := message.Parse(raw)
	s := MessageSummary{N: n, From: m.Sender.String(), Subject: m.Subject, MessageID: m.MessageID, Size: len(raw)}
	for _, p := range m.Attachments {
		s.Attachments = append(s.Attachments, dossier.Attachment{FileName: p.FileName, ContentType: p.ContentType,
			Size: int64(len(p.Content)), SHA256: p.SHA256})
	}
	return s
}

// Listen creates the socket at path, replacing a stale one left by a
// crash, and serves r and p on it until ctx ends.
func Listen(ctx context.Context, path string, r Reader, p Deliverer, log *slog.Logger) error {
	if err := removeStale(path); err != nil {
		return err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("listen on control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("restrict control socket %s: %w", path, err)
	}

	srv := &http.Server{Handler: handler(r, p, log), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Info("control socket started", "path", path)
	err = srv.Serve(l)
	os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// removeStale deletes a socket file that no process listens on.
func removeStale(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("control socket %s is in use: another sved serve runs on this data folder", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale control socket %s: %w", path, err)
	}
	return nil
}

func handler(r Reader, p Deliverer, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dossiers", func(w http.ResponseWriter, req *http.Request) {
		if before := req.URL.Query().Get("due_before"); before != "" {
			serveDue(w, r, before, req.URL.Query()["kind"])
			return
		}
		f := store.ListFilter{
			Tenant: req.URL.Query().Get("tenant"),
			State:  dossier.State(req.URL.Query().Get("state")),
		}
		list, err := r.List(f)
		reply(w, list, err)
	})
	mux.HandleFunc("GET /dossiers/{ref}", func(w http.ResponseWriter, req *http.Request) {
		d, err := LoadDetails(r, req.PathValue("ref"))
		reply(w, d, err)
	})
	mux.HandleFunc("POST /ingest", func(w http.ResponseWriter, req *http.Request) {
		raw, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		q := req.URL.Query()
		env := &intake.Envelope{
			Channel:    dossier.ChannelIngest,
			Remote:     "control socket",
			From:       q.Get("from"),
			Recipients: q["to"],
			Raw:        raw,
		}
		results, err := p.Deliver(req.Context(), env)
		if err != nil {
			log.Error("ingest over control socket failed", "err", err)
		}
		reply(w, results, err)
	})
	return mux
}

// serveDue answers GET /dossiers?due_before=YYYY-MM-DD[&kind=K...] with
// the due dates before that day.
func serveDue(w http.ResponseWriter, r Reader, before string, kindNames []string) {
	date, err := deadline.ParseDate(before)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid due_before: " + err.Error()})
		return
	}
	kinds := make([]dossier.DueKind, len(kindNames))
	for i, k := range kindNames {
		kinds[i] = dossier.DueKind(k)
	}
	items, err := r.DueBefore(date, kinds...)
	reply(w, items, err)
}

func reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case errors.Is(err, store.ErrNotFound):
		w.WriteHeader(http.StatusNotFound)
		v = map[string]string{"error": err.Error()}
	case err != nil:
		w.WriteHeader(http.StatusInternalServerError)
		v = map[string]string{"error": err.Error()}
	}
	_ = json.NewEncoder(w).Encode(v)
}

// Client talks to a running daemon's control socket.
type Client struct {
	http *http.Client
}

// Dial returns a client for the socket at path, or an error when no
// daemon listens there.
func Dial(path string) (*Client, error) {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return nil, fmt.Errorf("no sved serve listens on %s: %w", path, err)
	}
	c.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}, nil
}

// List implements Reader over the socket.
func (c *Client) List(f store.ListFilter) ([]dossier.Dossier, error) {
	q := url.Values{}
	if f.Tenant != "" {
		q.Set("tenant", f.Tenant)
	}
	if f.State != "" {
		q.Set("state", string(f.State))
	}
	var out []dossier.Dossier
	err := c.do("GET", "/dossiers?"+q.Encode(), nil, &out)
	return out, err
}

// DueBefore implements Reader over the socket.
func (c *Client) DueBefore(date deadline.Date, kinds ...dossier.DueKind) ([]store.DueItem, error) {
	q := url.Values{"due_before": {date.String()}}
	for _, k := range kinds {
		q.Add("kind", string(k))
	}
	var out []store.DueItem
	err := c.do("GET", "/dossiers?"+q.Encode(), nil, &out)
	return out, err
}

// Details reads a dossier with its journal and mails over the socket.
func (c *Client) Details(ref string) (*Details, error) {
	var out Details
	if err := c.do("GET", "/dossiers/"+url.PathEscape(ref), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ingest sends a raw message through the daemon's pipeline.
func (c *Client) Ingest(from string, to []string, raw []byte) ([]intake.Result, error) {
	q := url.Values{"from": {from}, "to": to}
	var out []intake.Result
	err := c.do("POST", "/ingest?"+q.Encode(), bytes.NewReader(raw), &out)
	return out, err
}

func (c *Client) do(method, path string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, "http://sved"+path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control socket request %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return store.ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("sved serve: %s", e["error"])
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
