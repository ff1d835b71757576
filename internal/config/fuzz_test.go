package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics, that every problem has a
// path or a message, and that an accepted config is consistent: it
// validates again, every tenant has a Location, and each intake address
// matches its own tenant.
//
// NOTE: the seeds are several kilobytes long, so the default 60 s
// minimization of each new input stalls a short run. Run it with
// -fuzzminimizetime=2s.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(baseYAML))
	f.Add([]byte("smtp:\n  read_timeout: 5 minutes\n"))
	f.Add([]byte("collectivites:\n  - \n  - id: x\n    intake: {a: b}\n"))
	f.Add([]byte("outbound:\n  \"-\": x\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		var verr *ValidationError
		switch {
		case errors.As(err, &verr):
			for _, fe := range verr.Errors {
				if fe.Message == "" {
					t.Errorf("problem at %q has no message", fe.Path)
				}
			}
			return
		case err != nil:
			return
		}

		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		for _, tenant := range cfg.Tenants {
			if tenant.Location == nil {
				t.Errorf("tenant %s has no Location", tenant.ID)
			}
			for _, in := range tenant.Intake {
				r, ok := cfg.MatchRecipient(in.Address)
				if !ok || r.Tenant != tenant || r.Intake != in {
					t.Errorf("intake %q matches %+v, %v", in.Address, r, ok)
				}
			}
			token := NewToken()
			r, ok := cfg.MatchRecipient(tenant.ReplyAddress(token))
			if !ok || r.Tenant != tenant || r.Token != token {
				t.Errorf("reply address %q matches %+v, %v", tenant.ReplyAddress(token), r, ok)
			}
		}
	})
}
