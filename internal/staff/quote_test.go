package staff

import (
	"strings"
	"testing"
)

func TestTrimQuoted(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{
			name: "no quote",
			text: "Bonjour,\n\nC'est noté.\n",
			want: "Bonjour,\n\nC'est noté.",
		},
		{
			name: "Thunderbird top-posting French",
			text: "#enregistrer\n\nBonjour,\nVotre demande est enregistrée.\n-- \nMarie Martin\nÉtat civil\n\n" +
				"Le 03/12/2026 à 10:12, Jeanne Dupont (via Mairie) a écrit :\n" +
				"> Nouvelle demande : SAINTEX-2026-000001\n>\n> Reçue : 3 décembre 2026\n",
			want: "#enregistrer\n\nBonjour,\nVotre demande est enregistrée.\n-- \nMarie Martin\nÉtat civil",
		},
		{
			name: "Gmail wrapped attribution",
			text: "Bonjour, c'est fait.\r\n\r\nLe jeu. 3 déc. 2026 à 10:12, Jeanne Dupont (via Mairie) <\r\n" +
				"r+abcdefghijklmnop@reponse.example.fr> a écrit :\r\n\r\n> Nouvelle demande\r\n> Texte\r\n",
			want: "Bonjour, c'est fait.",
		},
		{
			name: "Gmail English",
			text: "Done.\n\nOn Thu, Dec 3, 2026 at 10:12 AM Jeanne <r+x@reponse.example.fr> wrote:\n\n> Hello\n",
			want: "Done.",
		},
		{
			name: "Apple Mail",
			text: "Bien reçu.\n\nEnvoyé de mon iPhone\n\n" +
				"> Le 3 déc. 2026 à 10:12, Jeanne Dupont <r+x@reponse.example.fr> a écrit :\n>\n> Bonjour\n",
			want: "Bien reçu.\n\nEnvoyé de mon iPhone",
		},
		{
			name: "Outlook French with no-break spaces",
			text: "#refuser hors compétence\n\nCordialement,\nPaul\n\n" +
				"________________________________\n" +
				"De\u00a0: Jeanne Dupont (via Mairie) <r+x@reponse.example.fr>\n" +
				"Envoyé\u00a0: jeudi 3 décembre 2026 10:12\n" +
				"À\u00a0: Urbanisme <urbanisme@example.fr>\n" +
				"Objet\u00a0: [SAINTEX-2026-000001] Permis\n\n" +
				"Nouvelle demande : SAINTEX-2026-000001\n",
			want: "#refuser hors compétence\n\nCordialement,\nPaul",
		},
		{
			name: "Outlook English header block without underscores",
			text: "Thanks\n\nFrom: Jeanne <r+x@reponse.example.fr>\nSent: Thursday, December 3, 2026 10:12\n" +
				"To: Urbanisme\nSubject: [SAINTEX-2026-000001] Permis\n\nText\n",
			want: "Thanks",
		},
		{
			name: "Outlook bold header fields",
			text: "OK\n\n*De :* Jeanne\n*Envoyé :* jeudi\n*Objet :* Permis\n\nTexte",
			want: "OK",
		},
		{
			name: "Message d'origine separator",
			text: "Vu.\n\n-----Message d'origine-----\nDe : Jeanne\nTexte",
			want: "Vu.",
		},
		{
			name: "Original Message separator",
			text: "Seen.\n-----Original Message-----\nFrom: Jeanne\n",
			want: "Seen.",
		},
		{
			name: "Zimbra separator",
			text: "Vu.\n\n----- Mail original -----\nDe: \"Jeanne\"\n",
			want: "Vu.",
		},
		{
			name: "sved forward pasted without quoting",
			text: "#enregistrer\n\nNouvelle demande : SAINTEX-2026-000001\n\nReçue : 3 décembre 2026\n",
			want: "#enregistrer",
		},
		{
			name: "sved forward in bold, made from HTML",
			text: "Vu.\n\n*Nouvelle demande : SAINTEX-2026-000001*\n\nBonjour",
			want: "Vu.",
		},
		{
			name: "sved forward requester marker",
			text: "Réponse\n\n----- Message du demandeur -----\n\nBonjour",
			want: "Réponse",
		},
		{
			name: "bottom-posting",
			text: "Le 3 déc. 2026, Jeanne a écrit :\n> Question ?\n\nRéponse.\n-- \nMarie\n",
			want: "Réponse.\n-- \nMarie",
		},
		{
			name: "interleaved answers keep their questions",
			text: "Le 3 déc. 2026, Jeanne a écrit :\n> Question 1 ?\nRéponse 1.\n> Question 2 ?\n> suite\n" +
				"Réponse 2.\n> Fin du message\n> Cordialement\n",
			want: "Le 3 déc. 2026, Jeanne a écrit :\n> Question 1 ?\nRéponse 1.\n> Question 2 ?\n> suite\nRéponse 2.",
		},
		{
			name: "top-posting with signature below the quote",
			text: "Réponse.\n\nLe 3 déc. 2026, Jeanne a écrit :\n> Question ?\n\n-- \nMarie\n",
			want: "Réponse.\n\n-- \nMarie",
		},
		{
			name: "only a quote",
			text: "Le 3 déc. 2026, Jeanne a écrit :\n> Question ?\n",
			want: "",
		},
		{
			name: "attribution-like line without quote stays",
			text: "Le maire a écrit :\nune lettre au préfet.",
			want: "Le maire a écrit :\nune lettre au préfet.",
		},
		{
			name: "From line in own text stays",
			text: "De : la part du maire\nMerci.",
			want: "De : la part du maire\nMerci.",
		},
		{
			name: "signature line of underscores stays",
			text: "Merci\n______________________________\nMairie de Saint-Exemple",
			want: "Merci\n______________________________\nMairie de Saint-Exemple",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TrimQuoted(tt.text); got != tt.want {
				t.Errorf("TrimQuoted =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	internal := func(addr string) bool {
		return strings.HasSuffix(addr, "@reponse.example.fr") || addr == "urbanisme@example.fr"
	}
	text := "Le 3 déc., Jeanne <R+abc@Reponse.example.fr> a écrit à mailto:urbanisme@example.fr " +
		"et à jeanne@example.org."
	want := "Le 3 déc., Jeanne " + HiddenAddress + " a écrit à " + HiddenAddress + " et à jeanne@example.org."
	if got := Redact(text, internal); got != want {
		t.Errorf("Redact =\n%q\nwant\n%q", got, want)
	}
	got, err := RedactHTML(`<p><a href="mailto:urbanisme@example.fr">urbanisme@example.fr</a>`+
		` <a href="mailto:jeanne@example.org">Jeanne</a></p>`, internal)
	if err != nil {
		t.Fatalf("RedactHTML: %v", err)
	}
	if strings.Contains(got, "urbanisme@") {
		t.Errorf("RedactHTML kept an internal address: %s", got)
	}
	if !strings.Contains(got, `<a>[adresse interne]</a>`) {
		t.Errorf("RedactHTML did not replace the link text: %s", got)
	}
	if !strings.Contains(got, `href="mailto:jeanne@example.org"`) {
		t.Errorf("RedactHTML dropped an outside link: %s", got)
	}
}
