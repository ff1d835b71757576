package webhook

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sved-project/sved/internal/store"
)

// chromiumPath returns the Chromium binary, or skips the test when it
// is missing, except in CI where its absence fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run should have installed it")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// artifactDir returns the folder for files a test keeps for people to
// look at: SVED_ARTIFACTS when set, else a temporary folder.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SVED_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serveFixture serves the fixture's handler on 127.0.0.1 with the real
// clock, through Server.Serve, and returns its base URL.
func serveFixture(t *testing.T, f *fixture) string {
	t.Helper()
	f.server.now = time.Now
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go f.server.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.server.Shutdown(ctx)
	})
	return "http://" + l.Addr().String()
}

// newBrowser starts a headless Chromium with a fresh profile and no
// network activity of its own.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1000, 1400),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

func TestServedFormInChromium(t *testing.T) {
	f := newFixture(t)
	f.cfg.Tenants[0].Forms[0].Public.MinFillTime = 500 * time.Millisecond
	base := serveFixture(t, f)
	ctx := newBrowser(t)
	artifacts := artifactDir(t)

	upload := filepath.Join(t.TempDir(), "justificatif.pdf")
	os.WriteFile(upload, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o600)

	// First submission: the message is left empty, so the page comes
	// back with an error summary whose links reach the fields.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/forms/contact"),
		chromedp.WaitVisible(chromedp.ID("champ-last_name")),
		chromedp.SendKeys(chromedp.ID("champ-last_name"), "Lefèvre"),
		chromedp.SendKeys(chromedp.ID("champ-first_name"), "Amélie"),
		chromedp.SendKeys(chromedp.ID("champ-postal_address"), "5 chemin du Moulin\n99990 Saint-Exemple"),
		chromedp.SendKeys(chromedp.ID("champ-email"), "amelie.lefevre@example.org"),
		chromedp.SetValue(chromedp.ID("champ-nature"), "acte"),
		chromedp.SendKeys(chromedp.ID("champ-subject"), "Copie d'acte de mariage"),
		chromedp.SetUploadFiles(chromedp.ID("champ-attachments"), []string{upload}),
		chromedp.Sleep(700*time.Millisecond), // past min_fill_time
		chromedp.Click(chromedp.ID("envoyer")),
		chromedp.WaitVisible(chromedp.CSS(".resume")),
	)
	if err != nil {
		t.Fatalf("first submission: %v", err)
	}
	saveScreenshot(t, ctx, filepath.Join(artifacts, "form-error.png"))
	summary := run(t, ctx, chromedp.Text(chromedp.CSS(".resume")))
	if !strings.Contains(summary, "Votre message : Champ obligatoire.") {
		t.Errorf("error summary = %q", summary)
	}
	if !strings.Contains(summary, "joignez-les de nouveau") {
		t.Errorf("summary does not ask to attach the files again: %q", summary)
	}
	if got := run(t, ctx, chromedp.Value(chromedp.ID("champ-last_name"))); got != "Lefèvre" {
		t.Errorf("last name after the error = %q, want it kept", got)
	}
	broken := run(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.resume a')]
		.filter(a => !document.querySelector(a.getAttribute('href'))).length`))
	if broken != 0 {
		t.Errorf("%d summary links lead to no field", broken)
	}

	// The summary link takes keyboard focus to the field in error.
	err = chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS(".resume a[href='#champ-message']")),
		chromedp.KeyEvent("\r"),
	)
	if err != nil {
		t.Fatalf("keyboard: %v", err)
	}
	if focused := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "champ-message" {
		t.Errorf("focus after following the link = %q, want champ-message", focused)
	}

	// Second submission, completed: the confirmation page shows the
	// reference and the date of receipt.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("champ-message"), "Bonjour,\nJe souhaite une copie intégrale de mon acte de mariage."),
		chromedp.SetUploadFiles(chromedp.ID("champ-attachments"), []string{upload}),
		chromedp.Click(chromedp.ID("envoyer")),
		chromedp.WaitVisible(chromedp.ID("reference")),
	)
	if err != nil {
		t.Fatalf("second submission: %v", err)
	}
	saveScreenshot(t, ctx, filepath.Join(artifacts, "form-confirmation.png"))
	t.Logf("screenshots kept in %s", artifacts)
	ref := run(t, ctx, chromedp.Text(chromedp.ID("reference")))
	received := run(t, ctx, chromedp.Text(chromedp.ID("reception")))

	if !strings.HasPrefix(ref, "SAINTEX-") {
		t.Fatalf("reference = %q", ref)
	}
	if !strings.Contains(received, "heure de Paris") {
		t.Errorf("date of receipt = %q", received)
	}
	d, err := f.store.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].FileName != "justificatif.pdf" ||
		d.Attachments[0].ContentType != "application/pdf" {
		t.Errorf("attachments = %+v", d.Attachments)
	}
	if d.Identification.LastName != "Lefèvre" || d.Nature != "acte" {
		t.Errorf("identification %+v, nature %q", d.Identification, d.Nature)
	}
	list, err := f.store.List(store.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d dossiers, want 1", len(list))
	}
}

// run runs one browser action and returns its value, failing the test
// on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

func saveScreenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	// Quality 100 gives a PNG; a lower one gives a JPEG.
	png := run(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
