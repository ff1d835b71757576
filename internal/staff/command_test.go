package staff

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Reply
	}{
		{
			name: "plain reply",
			text: "Bonjour,\n\nVotre acte est prêt.\n\nCordialement,\nMarie",
			want: Reply{Text: "Bonjour,\n\nVotre acte est prêt.\n\nCordialement,\nMarie"},
		},
		{
			name: "empty reply",
			text: "\n  \n",
			want: Reply{},
		},
		{
			name: "hash number is text",
			text: "#1 : le dossier est complet.",
			want: Reply{Text: "#1 : le dossier est complet."},
		},
		{
			name: "register",
			text: "#enregistrer",
			want: Reply{Commands: []Command{{Kind: KindRegister, Line: 1}}},
		},
		{
			name: "register alias with text",
			text: "\n\n#Accepter\n\nBonjour, votre demande est enregistrée.\n",
			want: Reply{
				Commands: []Command{{Kind: KindRegister, Line: 3}},
				Text:     "Bonjour, votre demande est enregistrée.",
			},
		},
		{
			name: "space after hash and CRLF",
			text: "# ENREGISTRER\r\n\r\nMerci.\r\n",
			want: Reply{Commands: []Command{{Kind: KindRegister, Line: 1}}, Text: "Merci."},
		},
		{
			name: "no-break spaces around the command",
			text: "\u00a0#enregistrer\u00a0\nMerci.",
			want: Reply{Commands: []Command{{Kind: KindRegister, Line: 1}}, Text: "Merci."},
		},
		{
			name: "refuse with reason",
			text: "#refuser demande hors de la compétence de la commune\n\nBonjour,\nVoir la préfecture.",
			want: Reply{
				Commands: []Command{{Kind: KindRefuse, Line: 1,
					Reason: "demande hors de la compétence de la commune"}},
				Text: "Bonjour,\nVoir la préfecture.",
			},
		},
		{
			name: "refuse with colon",
			text: "#Refuser : demande en double",
			want: Reply{Commands: []Command{{Kind: KindRefuse, Line: 1, Reason: "demande en double"}}},
		},
		{
			name: "documents with bullets",
			text: "#pièces\n- justificatif de domicile\n* copie de la pièce d'identité\n" +
				"délai 15 jours\n\nMerci de nous les adresser.",
			want: Reply{
				Commands: []Command{{Kind: KindDocuments, Line: 1,
					Items:     []string{"justificatif de domicile", "copie de la pièce d'identité"},
					DelayDays: 15}},
				Text: "Merci de nous les adresser.",
			},
		},
		{
			name: "documents upper case, numbered, délai with colon",
			text: "#PIECES\n1. acte de naissance\n2) livret de famille\nDélai : 30 j",
			want: Reply{Commands: []Command{{Kind: KindDocuments, Line: 1,
				Items: []string{"acte de naissance", "livret de famille"}, DelayDays: 30}}},
		},
		{
			name: "documents without bullets, délai first",
			text: "#piece\ndelai de 10 jours\nplan de situation\nplan de masse\n\nCordialement",
			want: Reply{
				Commands: []Command{{Kind: KindDocuments, Line: 1,
					Items: []string{"plan de situation", "plan de masse"}, DelayDays: 10}},
				Text: "Cordialement",
			},
		},
		{
			name: "documents across blank lines",
			text: "#pieces\n- plan de situation\n\n- plan de masse\n\ndélai 20 jours\n\nBonjour",
			want: Reply{
				Commands: []Command{{Kind: KindDocuments, Line: 1,
					Items: []string{"plan de situation", "plan de masse"}, DelayDays: 20}},
				Text: "Bonjour",
			},
		},
		{
			name: "documents item on the command line",
			text: "#pieces : attestation d'assurance\ndélai 1 jour\nBonjour",
			want: Reply{
				Commands: []Command{{Kind: KindDocuments, Line: 1,
					Items: []string{"attestation d'assurance"}, DelayDays: 1}},
				Text: "Bonjour",
			},
		},
		{
			name: "transfer with reason",
			text: "#transmettre urbanisme@agglo.example.fr compétence de l'agglomération",
			want: Reply{Commands: []Command{{Kind: KindTransfer, Line: 1,
				Address: "urbanisme@agglo.example.fr", Reason: "compétence de l'agglomération"}}},
		},
		{
			name: "transfer alias, brackets, dash",
			text: "#transférer <prefecture@example.gouv.fr> - titre de séjour",
			want: Reply{Commands: []Command{{Kind: KindTransfer, Line: 1,
				Address: "prefecture@example.gouv.fr", Reason: "titre de séjour"}}},
		},
		{
			name: "transfer Outlook mailto form",
			text: "#transmettre contact@cc.example.fr<mailto:contact@cc.example.fr>",
			want: Reply{Commands: []Command{{Kind: KindTransfer, Line: 1,
				Address: "contact@cc.example.fr"}}},
		},
		{
			name: "service then note, internal text",
			text: "#service Urbanisme\n#note permis de construire, pas un certificat\n\nÀ voir avec Paul.",
			want: Reply{
				Commands: []Command{
					{Kind: KindService, Line: 1, ID: "urbanisme"},
					{Kind: KindNote, Line: 2, Note: "permis de construire, pas un certificat"},
				},
				Text: "À voir avec Paul.",
			},
		},
		{
			name: "nature with accents",
			text: "#nature État-Civil",
			want: Reply{Commands: []Command{{Kind: KindNature, Line: 1, ID: "etat-civil"}}},
		},
		{
			name: "note alone with text below",
			text: "#note\nAppelé le demandeur,\nil repasse lundi.",
			want: Reply{
				Commands: []Command{{Kind: KindNote, Line: 1}},
				Text:     "Appelé le demandeur,\nil repasse lundi.",
			},
		},
		{
			name: "close with answer",
			text: "#clôturer\nVotre acte vous a été envoyé par courrier.",
			want: Reply{
				Commands: []Command{{Kind: KindClose, Line: 1}},
				Text:     "Votre acte vous a été envoyé par courrier.",
			},
		},
		{
			name: "attestation",
			text: "#Attestation",
			want: Reply{Commands: []Command{{Kind: KindAttestation, Line: 1}}},
		},
		{
			name: "register with documents",
			text: "#enregistrer\n#pieces\n- plan cadastral\ndélai 15 jours\n#note vu en mairie",
			want: Reply{Commands: []Command{
				{Kind: KindRegister, Line: 1},
				{Kind: KindDocuments, Line: 2, Items: []string{"plan cadastral"}, DelayDays: 15},
				{Kind: KindNote, Line: 5, Note: "vu en mairie"},
			}},
		},
		{
			name: "hashtag in signature is text",
			text: "Bonjour,\nC'est fait.\n--\nMairie\n#SaintExemple #fierté",
			want: Reply{Text: "Bonjour,\nC'est fait.\n--\nMairie\n#SaintExemple #fierté"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", *got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // substrings of the problems, in order
	}{
		{"unknown command", "#valider\nMerci", []string{"ligne 1 : commande inconnue « #valider »"}},
		{"refuse without reason", "#refuser", []string{"#refuser : indiquez le motif"}},
		{"refuse with only a dash", "#refuser -", []string{"#refuser : indiquez le motif"}},
		{"register with argument", "#enregistrer merci", []string{"#enregistrer s'écrit seul"}},
		{"close with argument", "#clore ok", []string{"#clore s'écrit seul"}},
		{"documents without items", "#pieces\ndélai 15 jours", []string{"au moins une pièce"}},
		{"documents without délai", "#pieces\n- plan", []string{"indiquez le délai"}},
		{"documents délai zero", "#pieces\n- plan\ndélai 0 jours", []string{"entre 1 et 365"}},
		{"documents délai too long", "#pieces\n- plan\ndélai 366 jours", []string{"entre 1 et 365"}},
		{"documents délai in months", "#pieces\n- plan\ndélai 1 mois", []string{"délai illisible"}},
		{"documents délai twice", "#pieces\ndélai 3 jours\ndélai 4 jours\n- plan", []string{"deux fois"}},
		{"documents too many", "#pieces\n" + strings.Repeat("- x\n", 51) + "délai 5 jours",
			[]string{"trop de pièces"}},
		{"transfer without address", "#transmettre", []string{"indiquez l'adresse"}},
		{"transfer invalid address", "#transmettre la préfecture", []string{"adresse invalide « la »"}},
		{"transfer without domain dot", "#transmettre pref@localhost", []string{"nom de domaine complet"}},
		{"transfer quoted local part", `#transmettre "a"@example.fr`, []string{"adresse invalide"}},
		{"service without id", "#service", []string{"indiquez l'identifiant du service"}},
		{"service two words", "#service état civil", []string{"un seul identifiant"}},
		{"nature invalid id", "#nature acte_naissance", []string{"identifiant invalide"}},
		{"note empty before letter", "#enregistrer\n#note\nBonjour", []string{"#note : écrivez"}},
		{"note empty alone", "#note", []string{"#note : écrivez"}},
		{"two letters", "#enregistrer\n#refuser doublon", []string{"ligne 2 : une réponse ne peut porter"}},
		{"same kind twice", "#service a\n#service b", []string{"ligne 2 : la commande #service est écrite deux fois"}},
		{"transfer with service", "#transmettre a@b.example.fr\n#service urbanisme",
			[]string{"ne se combine pas"}},
		{"command below text", "Bonjour,\n#refuser doublon",
			[]string{"ligne 2 : la commande « #refuser » doit être écrite en tête"}},
		{"several problems", "#refuser\n#foo\n\nTexte\n#clore", []string{
			"ligne 1 : #refuser", "ligne 2 : commande inconnue", "ligne 5 : la commande « #clore »",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if got != nil {
				t.Errorf("Parse returned a reply %#v with the error", got)
			}
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("Parse error = %v, want a *ParseError", err)
			}
			if len(perr.Problems) != len(tt.want) {
				t.Fatalf("problems = %q, want %d", perr.Problems, len(tt.want))
			}
			for i, want := range tt.want {
				if s := perr.Problems[i].String(); !strings.Contains(s, want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, s, want)
				}
			}
		})
	}
}

func TestKindStringRoundTrip(t *testing.T) {
	for _, k := range Kinds {
		got, ok := LookupKind(k.String())
		if !ok || got != k {
			t.Errorf("LookupKind(%q) = %v, %v; want %v", k.String(), got, ok, k)
		}
		if !strings.Contains(Help(), "#"+k.String()) {
			t.Errorf("Help does not document #%s", k)
		}
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", s)
	}
}

func TestWritesToRequester(t *testing.T) {
	internal := map[Kind]bool{KindService: true, KindNature: true, KindNote: true}
	for _, k := range Kinds {
		if got := k.WritesToRequester(); got == internal[k] {
			t.Errorf("%v.WritesToRequester() = %v", k, got)
		}
	}
	if Kind(0).WritesToRequester() {
		t.Error("Kind(0).WritesToRequester() = true")
	}
}

func TestReplyInternal(t *testing.T) {
	tests := []struct {
		text     string
		internal bool
		plain    bool
	}{
		{"Bonjour", false, true},
		{"#service urbanisme\nPour toi.", true, false},
		{"#note rappel lundi", true, false},
		{"#enregistrer\n#note vu", false, false},
	}
	for _, tt := range tests {
		r, err := Parse(tt.text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.text, err)
		}
		if r.Internal() != tt.internal {
			t.Errorf("Parse(%q).Internal() = %v", tt.text, r.Internal())
		}
		if r.Plain() != tt.plain {
			t.Errorf("Parse(%q).Plain() = %v", tt.text, r.Plain())
		}
	}
}

func TestParseErrorExplain(t *testing.T) {
	_, err := Parse("#valider")
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("Parse error = %v", err)
	}
	text := perr.Explain()
	for _, want := range []string{"rien n'a été envoyé", "ligne 1 : commande inconnue « #valider »",
		"#enregistrer (ou #accepter)", "#attestation"} {
		if !strings.Contains(text, want) {
			t.Errorf("Explain() does not contain %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(err.Error(), "invalid staff commands: ligne 1") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestReplyStringRoundTrip(t *testing.T) {
	texts := []string{
		"#enregistrer\n#pieces\n- plan\n- acte\ndélai 12 jours\n\nBonjour",
		"#transmettre a@b.example.fr motif : autre\nTexte",
		"#service urbanisme\n#nature permis\n#note note",
		"#refuser doublon",
		"Texte seul",
	}
	for _, text := range texts {
		r, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q): %v", r.String(), err)
		}
		if !sameReply(r, again) {
			t.Errorf("round trip of %q gave %#v, want %#v", text, again, r)
		}
	}
}

// sameReply compares two replies, ignoring the Line fields.
func sameReply(a, b *Reply) bool {
	if a.Text != b.Text || len(a.Commands) != len(b.Commands) {
		return false
	}
	for i := range a.Commands {
		x, y := a.Commands[i], b.Commands[i]
		x.Line, y.Line = 0, 0
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
