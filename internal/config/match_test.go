package config

import (
	"testing"
)

func TestMatchRecipient(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	const token = "abcdefghijklmnop"

	tests := []struct {
		addr   string
		tenant string // "" when no match is expected
		intake string // matched intake address, "" for a token
		token  string
	}{
		{"contact@mairie-saint-exemple.fr", "saint-exemple", "contact@mairie-saint-exemple.fr", ""},
		{"<contact@mairie-saint-exemple.fr>", "saint-exemple", "contact@mairie-saint-exemple.fr", ""},
		{"CONTACT@Mairie-Saint-Exemple.FR", "saint-exemple", "contact@mairie-saint-exemple.fr", ""},
		{"urbanisme@mairie-saint-exemple.fr", "saint-exemple", "urbanisme@mairie-saint-exemple.fr", ""},
		{`"contact"@mairie-saint-exemple.fr`, "saint-exemple", "contact@mairie-saint-exemple.fr", ""},
		{`"Con\tact"@mairie-saint-exemple.fr`, "saint-exemple", "contact@mairie-saint-exemple.fr", ""},
		{`"con tact"@mairie-saint-exemple.fr`, "", "", ""},
		{`"contact@mairie-saint-exemple.fr"@mairie-saint-exemple.fr`, "", "", ""},
		{"contact.@mairie-saint-exemple.fr", "", "", ""},
		{"contact@autre-ville.example", "autre-ville", "contact@autre-ville.example", ""},
		{"mairie@xn--bcher-kva.example", "autre-ville", "mairie@bücher.example", ""},
		{"mairie@BÜCHER.example", "autre-ville", "mairie@bücher.example", ""},

		{token + "@reponse.mairie-saint-exemple.fr", "saint-exemple", "", token},
		{"ABCDEFGHIJKLMNOP@REPONSE.mairie-saint-exemple.fr", "saint-exemple", "", token},
		{`"` + token + `"@reponse.mairie-saint-exemple.fr`, "saint-exemple", "", token},
		{"abcdefghijklmno@reponse.mairie-saint-exemple.fr", "", "", ""},   // 15 characters
		{"abcdefghijklmnop1@reponse.mairie-saint-exemple.fr", "", "", ""}, // 1 is not base32
		{"contact@reponse.mairie-saint-exemple.fr", "", "", ""},
		{token + "@mairie-saint-exemple.fr", "", "", ""},
		{"contact-" + token + "@autre-ville.example", "autre-ville", "", token},
		{"Contact-" + token + "@Autre-Ville.example", "autre-ville", "", token},
		{"contact+" + token + "@autre-ville.example", "", "", ""},
		{"contact-" + token + "x@autre-ville.example", "", "", ""},
		{"accueil-" + token + "@autre-ville.example", "", "", ""},

		{"postmaster@mairie-saint-exemple.fr", "saint-exemple", "postmaster@mairie-saint-exemple.fr", ""},
		{"PostMaster@Mairie-Saint-Exemple.fr", "saint-exemple", "postmaster@mairie-saint-exemple.fr", ""},
		{"postmaster@reponse.mairie-saint-exemple.fr", "saint-exemple", "postmaster@reponse.mairie-saint-exemple.fr", ""},
		{"postmaster@autre-domaine.example", "", "", ""},
		{"abuse@mairie-saint-exemple.fr", "", "", ""},

		{"inconnu@mairie-saint-exemple.fr", "", "", ""},
		{"contact@mairie-saint-exemple.fr.evil.example", "", "", ""},
		{"contact@autre-domaine.example", "", "", ""},
		{"contact@[192.0.2.1]", "", "", ""},
		{"contact@[IPv6:2001:db8::1]", "", "", ""},
		{"@relay.example:contact@mairie-saint-exemple.fr", "", "", ""},
		{"", "", "", ""},
		{"<>", "", "", ""},
		{"contact", "", "", ""},
		{"contact@", "", "", ""},
		{"contact@mairie-saint-exemple.fr.", "", "", ""},
		{"Mairie <contact@mairie-saint-exemple.fr>", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			got, ok := cfg.MatchRecipient(tc.addr)
			if tc.tenant == "" {
				if ok {
					t.Fatalf("matched %+v, want no match", got)
				}
				return
			}
			if !ok {
				t.Fatal("no match")
			}
			if got.Tenant.ID != tc.tenant {
				t.Errorf("tenant = %q, want %q", got.Tenant.ID, tc.tenant)
			}
			switch {
			case tc.intake == "" && got.Intake != nil:
				t.Errorf("intake = %q, want none", got.Intake.Address)
			case tc.intake != "" && (got.Intake == nil || got.Intake.Address != tc.intake):
				t.Errorf("intake = %+v, want %q", got.Intake, tc.intake)
			}
			if got.Token != tc.token {
				t.Errorf("token = %q, want %q", got.Token, tc.token)
			}
		})
	}
}

func TestReplyAddressMatches(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	tests := []struct {
		tenant string
		want   string
	}{
		{"saint-exemple", "TOKEN@reponse.mairie-saint-exemple.fr"},
		{"autre-ville", "contact-TOKEN@autre-ville.example"},
	}
	for _, tc := range tests {
		tenant := cfg.Tenant(tc.tenant)
		token := NewToken()
		got := tenant.ReplyAddress(token)
		if want := replaceToken(tc.want, token); got != want {
			t.Errorf("%s: ReplyAddress = %q, want %q", tc.tenant, got, want)
		}
		r, ok := cfg.MatchRecipient(got)
		if !ok || r.Tenant != tenant || r.Token != token || r.Intake != nil {
			t.Errorf("%s: MatchRecipient(%q) = %+v, %v", tc.tenant, got, r, ok)
		}
	}
}

func replaceToken(s, token string) string {
	for i := 0; i+5 <= len(s); i++ {
		if s[i:i+5] == "TOKEN" {
			return s[:i] + token + s[i+5:]
		}
	}
	return s
}

func TestIsOwnAddress(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	saint, autre := cfg.Tenant("saint-exemple"), cfg.Tenant("autre-ville")
	tests := []struct {
		tenant *Tenant
		addr   string
		want   bool
	}{
		{saint, "contact@mairie-saint-exemple.fr", true},
		{saint, "Urbanisme@MAIRIE-saint-exemple.fr", true},
		{saint, "abcdefghijklmnop@reponse.mairie-saint-exemple.fr", true},
		{saint, "accueil@mairie-saint-exemple.fr", false}, // a service mailbox
		{saint, "contact@autre-ville.example", false},
		{saint, "", false},
		{autre, "contact@autre-ville.example", true},
		{autre, "contact-abcdefghijklmnop@autre-ville.example", true},
		{autre, "mairie@bücher.example", true},
		{autre, "abcdefghijklmnop@reponse.mairie-saint-exemple.fr", false},
	}
	for _, tc := range tests {
		if got := tc.tenant.IsOwnAddress(tc.addr); got != tc.want {
			t.Errorf("%s.IsOwnAddress(%q) = %v, want %v", tc.tenant.ID, tc.addr, got, tc.want)
		}
	}
}

func TestIsOwnAddressFromOutsideIntake(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	tenant := cfg.Tenant("saint-exemple")
	tenant.From = "Mairie <ne-pas-repondre@mairie-saint-exemple.fr>"
	if !tenant.IsOwnAddress("NE-PAS-REPONDRE@mairie-saint-exemple.fr") {
		t.Error("From address is not an own address")
	}
}

func TestIsStaff(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	saint := cfg.Tenant("saint-exemple")
	tests := []struct {
		addr string
		want bool
	}{
		{"agent.urbanisme@mairie-saint-exemple.fr", true},
		{"Agent@MAIRIE-SAINT-EXEMPLE.FR", true},
		{"agent@prestataire.example", true},
		{"AGENT@Prestataire.example", true},
		{"autre@prestataire.example", false},
		{"agent@sous.mairie-saint-exemple.fr", false},
		{"agent@mairie-saint-exemple.fr.evil.example", false},
		{"agent@[192.0.2.1]", false},
		{`"agent x"@mairie-saint-exemple.fr`, false},
		{"", false},
	}
	for _, tc := range tests {
		if got := saint.IsStaff(tc.addr); got != tc.want {
			t.Errorf("IsStaff(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if cfg.Tenant("autre-ville").IsStaff("agent@prestataire.example") {
		t.Error("staff of one tenant is staff of another")
	}
}

func TestServiceFor(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	saint, autre := cfg.Tenant("saint-exemple"), cfg.Tenant("autre-ville")
	tests := []struct {
		name   string
		tenant *Tenant
		in     *IntakeAddress
		want   string
	}{
		{"intake service", saint, saint.Intake[1], "urbanisme"},
		{"no intake, first service", saint, nil, "accueil"},
		{"default service", autre, autre.Intake[0], "secretariat"},
		{"no intake, default service", autre, nil, "secretariat"},
		{"unknown intake service", saint, &IntakeAddress{Service: "gone"}, "accueil"},
	}
	for _, tc := range tests {
		got := tc.tenant.ServiceFor(tc.in)
		if got == nil || got.ID != tc.want {
			t.Errorf("%s: ServiceFor = %v, want %s", tc.name, got, tc.want)
		}
	}
	if (&Tenant{}).ServiceFor(nil) != nil {
		t.Error("ServiceFor on a tenant without services is not nil")
	}
}

func TestLookups(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	if cfg.Tenant("nowhere") != nil {
		t.Error(`Tenant("nowhere") is not nil`)
	}
	saint := cfg.Tenant("saint-exemple")
	if s := saint.Service("etat-civil"); s == nil || s.Name != "État civil" {
		t.Errorf(`Service("etat-civil") = %v`, s)
	}
	if saint.Service("secretariat") != nil {
		t.Error("service of another tenant found")
	}
	if n := saint.Nature("cu"); n == nil || n.Regime != RegimeAccord {
		t.Errorf(`Nature("cu") = %v`, n)
	}
}

func TestFromAddress(t *testing.T) {
	tests := []struct {
		from     string
		wantName string
		wantAddr string
	}{
		{"Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>", "Mairie de Saint-Exemple", "contact@mairie-saint-exemple.fr"},
		{`"Mairie d'Évry, accueil" <accueil@mairie.example>`, "Mairie d'Évry, accueil", "accueil@mairie.example"},
		{"=?utf-8?q?Mairie_d=C3=89vry?= <a@mairie.example>", "Mairie dÉvry", "a@mairie.example"},
		{"contact@Mairie.Example", "", "contact@mairie.example"},
		{"Mairie <mairie@bücher.example>", "Mairie", "mairie@xn--bcher-kva.example"},
		{"not an address", "", ""},
	}
	for _, tc := range tests {
		got := (&Tenant{From: tc.from}).FromAddress()
		if got.Name != tc.wantName || got.Addr != tc.wantAddr {
			t.Errorf("FromAddress(%q) = %q <%s>, want %q <%s>", tc.from, got.Name, got.Addr, tc.wantName, tc.wantAddr)
		}
	}
}

func TestOutboundTransport(t *testing.T) {
	tests := []struct {
		transport string
		dir       string
		relay     string
	}{
		{"dir:/var/lib/sved/outbox", "/var/lib/sved/outbox", ""},
		{"smtp://127.0.0.1:25", "", "127.0.0.1:25"},
		{"smtp://[::1]:2525", "", "[::1]:2525"},
		{"smtp://relay.example:587/", "", "relay.example:587"},
		{"smtp://127.0.0.1", "", ""},
		{"smtp://127.0.0.1:0", "", ""},
		{"smtps://127.0.0.1:465", "", ""},
		{"dir:", "", ""},
		{"", "", ""},
	}
	for _, tc := range tests {
		o := Outbound{Transport: tc.transport}
		dir, dirOK := o.Dir()
		if dir != tc.dir || dirOK != (tc.dir != "") {
			t.Errorf("Dir(%q) = %q, %v", tc.transport, dir, dirOK)
		}
		relay, relayOK := o.Relay()
		if relay != tc.relay || relayOK != (tc.relay != "") {
			t.Errorf("Relay(%q) = %q, %v", tc.transport, relay, relayOK)
		}
	}
}
