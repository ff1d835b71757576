package staff

import (
	"strings"
	"testing"
)

func TestTrimQuotedHTML(t *testing.T) {
	tests := []struct {
		name    string
		html    string
		keep    []string
		dropped []string
	}{
		{
			name: "Thunderbird",
			html: `<html><body><p>#enregistrer</p><p>Bonjour, c'est noté.</p>
<div class="moz-cite-prefix">Le 03/12/2026 à 10:12, Jeanne a écrit&nbsp;:<br></div>
<blockquote type="cite" cite="mid:x@example.fr">Nouvelle demande : SAINTEX-2026-000001</blockquote>
<pre class="moz-signature" cols="72">-- 
Marie</pre></body></html>`,
			keep:    []string{"#enregistrer", "c&#39;est noté", "Marie"},
			dropped: []string{"a écrit", "Nouvelle demande"},
		},
		{
			name: "Gmail",
			html: `<div dir="ltr">Bonjour, c'est fait.<div><br></div><div>Paul</div></div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">Le jeu. 3 déc. 2026 à 10:12, Jeanne &lt;<a
href="mailto:r+x@reponse.example.fr">r+x@reponse.example.fr</a>&gt; a écrit&nbsp;:<br></div>
<blockquote class="gmail_quote" style="margin:0px">Nouvelle demande</blockquote></div>`,
			keep:    []string{"c&#39;est fait", "Paul"},
			dropped: []string{"r+x@", "Nouvelle demande", "gmail_quote"},
		},
		{
			name: "Outlook on the web",
			html: `<html><head><style>p{margin:0}</style></head><body><div>Réponse de Paul</div>
<div id="appendonsend"></div><hr style="display:inline-block;width:98%">
<div id="divRplyFwdMsg" dir="ltr"><font><b>De :</b> Jeanne<br><b>Envoyé :</b> jeudi<br>
<b>Objet :</b> Permis</font></div><div>Nouvelle demande</div></body></html>`,
			keep:    []string{"Réponse de Paul", "<style>p{margin:0}</style>"},
			dropped: []string{"<hr", "Jeanne", "Nouvelle demande", "appendonsend"},
		},
		{
			name: "Outlook desktop French",
			html: `<html><body lang="FR"><div class="WordSection1"><p class="MsoNormal">Bonjour,<o:p></o:p></p>
<p class="MsoNormal">Paul<o:p></o:p></p><!--[if gte mso 9]><xml>x</xml><![endif]-->
<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b>De&nbsp;:</b> Jeanne &lt;r+x@reponse.example.fr&gt;<br>
<b>Envoyé&nbsp;:</b> jeudi 3 décembre 2026 10:12<br><b>À&nbsp;:</b> Urbanisme<br>
<b>Objet&nbsp;:</b> [SAINTEX-2026-000001] Permis</p></div></div>
<p class="MsoNormal">Nouvelle demande : SAINTEX-2026-000001</p></div></body></html>`,
			keep:    []string{"Bonjour,", "Paul", `class="WordSection1"`},
			dropped: []string{"Jeanne", "Nouvelle demande", "mso 9"},
		},
		{
			name: "Outlook English with separator",
			html: `<div>Seen.</div><div>-----Original Message-----<br><b>From:</b> Jeanne<br>` +
				`<b>Sent:</b> Thursday<br><b>Subject:</b> Permis</div><div>Body</div>`,
			keep:    []string{"Seen."},
			dropped: []string{"Original", "Jeanne", "Body"},
		},
		{
			name: "Apple Mail",
			html: `<html><body><div>Bien reçu.</div><div><br><blockquote type="cite"><div>Le 3 déc. 2026 à 10:12,` +
				` Jeanne a écrit&nbsp;:</div><br><div>Nouvelle demande</div></blockquote></div></body></html>`,
			keep:    []string{"Bien reçu."},
			dropped: []string{"a écrit", "Nouvelle demande", "blockquote"},
		},
		{
			name: "interleaved answer keeps its question",
			html: `<div class="moz-cite-prefix">Jeanne a écrit :</div><blockquote type="cite">Question 1</blockquote>` +
				`<p>Réponse 1</p><blockquote type="cite">Question 2</blockquote><p>Réponse 2</p>` +
				`<blockquote type="cite">Fin</blockquote><div class="moz-signature">Marie</div>`,
			keep:    []string{"Réponse 1", "Question 2", "Réponse 2", "Marie"},
			dropped: []string{"Question 1", "Fin", "a écrit"},
		},
		{
			name: "active content",
			html: `<p onclick="x()">Texte<script>alert(1)</script><a href=" javascript:alert(1)">lien</a>` +
				`<a href="https://www.example.fr/">site</a><img src="cid:logo@x"><img src="data:image/png;base64,AA">` +
				`<img src="data:text/html,x"><iframe src="https://x.example"></iframe>` +
				`<span style="width:expression(alert(1))">s</span></p><form><input></form>` +
				`<meta http-equiv="refresh" content="0;url=https://x.example">`,
			keep: []string{"Texte", `href="https://www.example.fr/"`, `src="cid:logo@x"`,
				`src="data:image/png;base64,AA"`, "<span>s</span>"},
			dropped: []string{"onclick", "script", "javascript", "data:text", "iframe", "expression", "form",
				"input", "refresh"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TrimQuotedHTML(tt.html)
			if err != nil {
				t.Fatalf("TrimQuotedHTML: %v", err)
			}
			for _, s := range tt.keep {
				if !strings.Contains(got, s) {
					t.Errorf("result lost %q:\n%s", s, got)
				}
			}
			for _, s := range tt.dropped {
				if strings.Contains(got, s) {
					t.Errorf("result kept %q:\n%s", s, got)
				}
			}
		})
	}
}

func FuzzTrimQuotedHTML(f *testing.F) {
	f.Add(`<div>a</div><div id="divRplyFwdMsg">b</div><div>c</div>`)
	f.Add(`<blockquote type="cite">q</blockquote><p>a</p><blockquote type=cite>r</blockquote>`)
	f.Add(`<table><tr><td><div id="appendonsend"></div></td></tr></table><p>x</p>`)
	f.Fuzz(func(t *testing.T, src string) {
		got, err := TrimQuotedHTML(src)
		if err != nil {
			return
		}
		again, err := TrimQuotedHTML(got)
		if err != nil {
			t.Fatalf("TrimQuotedHTML of its own output: %v", err)
		}
		if strings.Contains(strings.ToLower(again), "<script") {
			t.Fatalf("script survived: %q", again)
		}
	})
}

func FuzzTrimQuoted(f *testing.F) {
	f.Add("a\n> b\nc\n")
	f.Add("Le x a écrit :\n> q\n-- \ns")
	f.Add("x\nDe : a\nEnvoyé : b\nObjet : c\n")
	f.Fuzz(func(t *testing.T, text string) {
		got := TrimQuoted(text)
		if len(got) > len(text) {
			t.Fatalf("TrimQuoted grew %d bytes to %d", len(text), len(got))
		}
		if TrimQuoted(got) != got && !strings.Contains(got, ">") {
			t.Fatalf("TrimQuoted is not stable on %q", got)
		}
	})
}
