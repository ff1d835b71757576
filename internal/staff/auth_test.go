package staff

import (
	"strings"
	"testing"
)

var trustedIDs = []string{"mx.saint-exemple.example.fr"}

const outsideHop = "Received: from mail.example.org (mail.example.org [192.0.2.10])\r\n" +
	"\tby mx.saint-exemple.example.fr (Postfix) with ESMTPS id 4ABC\r\n" +
	"\tfor <r+x@reponse.saint-exemple.example.fr>; Thu, 3 Dec 2026 10:40:03 +0100\r\n"

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name   string
		header string
		from   string
		want   Verdict
		reason string // substring of Reason
	}{
		{
			name:   "no results",
			header: outsideHop,
			want:   VerdictNone, reason: "no Authentication-Results",
		},
		{
			name: "dmarc pass",
			header: "Authentication-Results: mx.saint-exemple.example.fr;\r\n" +
				"\tdmarc=pass header.from=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "dmarc=pass",
		},
		{
			name: "dkim pass relaxed alignment",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.d=mail.saint-exemple.example.fr header.s=s1\r\n" + outsideHop,
			want: VerdictPass, reason: "dkim=pass header.d=mail.saint-exemple.example.fr aligned",
		},
		{
			name: "dkim pass by header.i",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.i=@saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "dkim=pass",
		},
		{
			name: "spf pass aligned",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"spf=pass smtp.mailfrom=bounce@saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "spf=pass",
		},
		{
			name: "subdomain From aligns with parent signature",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.d=saint-exemple.example.fr\r\n" + outsideHop,
			from: "agent@urbanisme.saint-exemple.example.fr",
			want: VerdictPass, reason: "aligned",
		},
		{
			name: "public suffix does not align",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.d=fr\r\n" + outsideHop,
			from: "agent@mairie.fr",
			want: VerdictFail, reason: "dkim=pass header.d=fr",
		},
		{
			name: "dmarc fail wins over dkim pass",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.d=example.net; dmarc=fail header.from=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictFail, reason: "dmarc=fail",
		},
		{
			name: "spf softfail and no signature",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"spf=softfail smtp.mailfrom=saint-exemple.example.fr; dkim=none\r\n" + outsideHop,
			want: VerdictFail, reason: "spf=softfail",
		},
		{
			name: "unaligned passes",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"spf=pass smtp.mailfrom=attacker@example.net; dkim=pass header.d=example.net\r\n" + outsideHop,
			want: VerdictFail, reason: "no SPF or DKIM pass aligned",
		},
		{
			name: "dmarc pass for another domain is ignored",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=pass header.from=example.net; spf=fail smtp.mailfrom=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictFail, reason: "spf=fail",
		},
		{
			name: "untrusted authserv-id is forged",
			header: "Authentication-Results: mx.attacker.example.net; " +
				"dmarc=pass header.from=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictNone, reason: "no Authentication-Results from a trusted",
		},
		{
			name: "forged trusted field below the receiving hop",
			header: "Authentication-Results: mx.saint-exemple.example.fr; spf=fail " +
				"smtp.mailfrom=saint-exemple.example.fr; dkim=none\r\n" + outsideHop +
				"Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=pass header.from=saint-exemple.example.fr\r\n",
			want: VerdictFail, reason: "spf=fail",
		},
		{
			name: "forged field under the hop's fields loses to the topmost",
			header: outsideHop +
				"Authentication-Results: mx.saint-exemple.example.fr; dmarc=fail " +
				"header.from=saint-exemple.example.fr\r\n" +
				"Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=pass header.from=saint-exemple.example.fr\r\n",
			want: VerdictFail, reason: "dmarc=fail",
		},
		{
			name: "forged field below a second Received is not read",
			header: outsideHop + "Received: from relay.attacker.example by mail.example.org\r\n" +
				"Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=pass header.from=saint-exemple.example.fr\r\n",
			want: VerdictNone, reason: "no Authentication-Results",
		},
		{
			name: "internal hop above the results",
			header: "Received: from localhost (localhost [127.0.0.1]) by mx.saint-exemple.example.fr\r\n" +
				"Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass header.d=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "dkim=pass",
		},
		{
			name: "separate fields of opendkim and opendmarc",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=fail (p=reject dis=none) header.from=saint-exemple.example.fr\r\n" +
				"Authentication-Results: mx.saint-exemple.example.fr; " +
				"dkim=pass (2048-bit key) header.d=example.net\r\n" + outsideHop,
			want: VerdictFail, reason: "dmarc=fail",
		},
		{
			name: "comments with semicolons and equals signs",
			header: "Authentication-Results: mx.saint-exemple.example.fr;\r\n" +
				"\tspf=pass (sender=x; dmarc=fail (nested)) smtp.mailfrom=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "spf=pass",
		},
		{
			name: "Gmail shape with version",
			header: "Authentication-Results: mx.saint-exemple.example.fr 1;\r\n" +
				"       dkim=pass header.i=@saint-exemple.example.fr header.s=s1 header.b=AbCd;\r\n" +
				"       spf=pass (domain of agent@saint-exemple.example.fr designates 192.0.2.10 as permitted " +
				"sender) smtp.mailfrom=agent@saint-exemple.example.fr;\r\n" +
				"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "dmarc=pass",
		},
		{
			name: "authserv-id in another case",
			header: "Authentication-Results: MX.Saint-Exemple.Example.FR; " +
				"spf=pass smtp.mailfrom=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictPass, reason: "spf=pass",
		},
		{
			name: "Microsoft shape without authserv-id",
			header: "Authentication-Results: spf=pass (sender IP is 192.0.2.10) " +
				"smtp.mailfrom=saint-exemple.example.fr; dkim=pass header.d=saint-exemple.example.fr\r\n" + outsideHop,
			want: VerdictNone, reason: "no Authentication-Results from a trusted",
		},
		{
			name: "temporary errors only",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"spf=temperror smtp.mailfrom=saint-exemple.example.fr; dkim=temperror header.d=saint-exemple.example.fr\r\n" +
				outsideHop,
			want: VerdictNone, reason: "temporary errors only",
		},
		{
			name:   "no method checked",
			header: "Authentication-Results: mx.saint-exemple.example.fr; none\r\n" + outsideHop,
			want:   VerdictNone, reason: "report no SPF, DKIM or DMARC",
		},
		{
			name: "no From address",
			header: "Authentication-Results: mx.saint-exemple.example.fr; " +
				"dmarc=pass header.from=saint-exemple.example.fr\r\n",
			from: "-",
			want: VerdictNone, reason: "no From domain",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader([]byte(tt.header + "From: x\r\n\r\nbody\r\n"))
			if err != nil {
				t.Fatalf("ReadHeader: %v", err)
			}
			from := tt.from
			switch from {
			case "":
				from = "paul.martin@saint-exemple.example.fr"
			case "-":
				from = ""
			}
			got := Authenticate(h, from, trustedIDs)
			if got.Verdict != tt.want {
				t.Errorf("Verdict = %v (%s), want %v", got.Verdict, got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to contain %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestAuthenticateNoTrustedIDs(t *testing.T) {
	h, err := ReadHeader([]byte("Authentication-Results: mx.saint-exemple.example.fr; " +
		"dmarc=pass header.from=saint-exemple.example.fr\r\n\r\n"))
	if err != nil {
		t.Fatalf("ReadHeader: %v", err)
	}
	if got := Authenticate(h, "a@saint-exemple.example.fr", nil); got.Verdict != VerdictNone {
		t.Errorf("Verdict = %v (%s), want none", got.Verdict, got.Reason)
	}
}

func TestReadHeaderInvalid(t *testing.T) {
	if _, err := ReadHeader([]byte("not a header line\r\n\r\n")); err == nil {
		t.Error("ReadHeader accepted a line without a colon")
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{VerdictNone: "none", VerdictPass: "pass", VerdictFail: "fail"} {
		if v.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(v), v.String(), want)
		}
	}
}

func FuzzAuthenticate(f *testing.F) {
	f.Add("Authentication-Results: mx.saint-exemple.example.fr; dkim=pass header.d=saint-exemple.example.fr\r\n",
		"a@saint-exemple.example.fr")
	f.Add("Authentication-Results: mx.saint-exemple.example.fr 1; spf=softfail (x; y=z) smtp.mailfrom=a\r\n"+outsideHop,
		"a@b")
	f.Add("Authentication-Results: mx.saint-exemple.example.fr; dmarc=fail header.from=x\r\n", "@")
	f.Fuzz(func(t *testing.T, header, from string) {
		h, err := ReadHeader([]byte(header + "\r\n"))
		if err != nil {
			return
		}
		got := Authenticate(h, from, trustedIDs)
		if got.Verdict < VerdictNone || got.Verdict > VerdictFail || got.Reason == "" {
			t.Fatalf("Authenticate = %+v", got)
		}
		if !strings.Contains(strings.ToLower(header), strings.ToLower(trustedIDs[0])) && got.Verdict != VerdictNone {
			t.Fatalf("verdict %v without a trusted field", got.Verdict)
		}
	})
}
