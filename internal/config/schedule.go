package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults of the scheduler.
const (
	DefaultSchedulerInterval = time.Minute
	DefaultDigestAt          = "08:00"
	// maxLeadDays bounds the lead times: an alert more than three months
	// of working days ahead would be noise, not a warning.
	maxLeadDays = 60
)

// DefaultAlerts are the lead times, in working days, of the alerts a
// tenant gets when its file sets none.
var DefaultAlerts = Alerts{ARE: []int{2}, Decision: []int{10}}

// Scheduler configures the loop that watches the due dates.
type Scheduler struct {
	// Interval is the time between two passes. Default 1m.
	Interval time.Duration `mapstructure:"interval"`
}

// Alerts lists, per due date, how many working days before it the
// service is warned. An alert is also sent once a date has passed. A
// list left out of the file takes its default (ARE: 2, decision: 10,
// AEE: none); an empty list turns that warning off.
type Alerts struct {
	AEE      []int `mapstructure:"aee"`
	ARE      []int `mapstructure:"are"`
	Decision []int `mapstructure:"decision"`
}

// Digest configures the daily summary that each service gets.
type Digest struct {
	// At is the local time, HH:MM, at which the digest goes out, or
	// "off". Default 08:00.
	At string `mapstructure:"at"`
	// EveryDay sends it on non-working days too. By default it goes out
	// on working days only.
	EveryDay bool `mapstructure:"every_day"`

	// minute is At parsed by Validate, in minutes after midnight, or -1
	// for "off".
	minute int
}

// Enabled reports whether the digest is sent.
func (d *Digest) Enabled() bool {
	return d.minute >= 0
}

// Due reports whether the digest of the day of local time now is due:
// now is at or after the configured time.
func (d *Digest) Due(now time.Time) bool {
	return d.Enabled() && now.Hour()*60+now.Minute() >= d.minute
}

func (s *Scheduler) applyDefaults() {
	if s.Interval == 0 {
		s.Interval = DefaultSchedulerInterval
	}
}

func (a *Alerts) applyDefaults() {
	if a.AEE == nil {
		a.AEE = []int{}
	}
	if a.ARE == nil {
		a.ARE = slices.Clone(DefaultAlerts.ARE)
	}
	if a.Decision == nil {
		a.Decision = slices.Clone(DefaultAlerts.Decision)
	}
}

func (d *Digest) applyDefaults() {
	if d.At == "" {
		d.At = DefaultDigestAt
	}
}

func (s *Scheduler) validate(p *problems) {
	checkDuration(p, "scheduler.interval", s.Interval)
	if s.Interval > 0 && s.Interval < time.Second {
		p.add("scheduler.interval", "too short (%s); use at least 1s", s.Interval)
	}
}

func (a *Alerts) validate(p *problems, path string) {
	lists := []struct {
		name  string
		leads []int
	}{{"aee", a.AEE}, {"are", a.ARE}, {"decision", a.Decision}}
	for _, l := range lists {
		name, leads := l.name, l.leads
		for i, n := range leads {
			if n < 1 || n > maxLeadDays {
				p.add(fmt.Sprintf("%s.%s[%d]", path, name, i),
					"invalid lead time %d; give a number of working days from 1 to %d", n, maxLeadDays)
			}
		}
		slices.Sort(leads)
	}
}

func (d *Digest) validate(p *problems, path string) {
	d.minute = -1
	if strings.EqualFold(d.At, "off") {
		return
	}
	m, ok := parseClock(d.At)
	if !ok {
		p.add(path+".at", "invalid time %q; write it as HH:MM, like 08:00, or off", d.At)
		return
	}
	d.minute = m
}

// parseClock parses HH:MM into minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}
