package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

var frenchDays = [...]string{
	"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
}

var frenchMonths = [...]string{
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre",
}

// frenchDate formats the day of t as "vendredi 4 décembre 2026", with
// "1er" for the first day of a month as French usage has it.
func frenchDate(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return frenchDays[t.Weekday()] + " " + day + " " + frenchMonths[t.Month()-1] + " " +
		strconv.Itoa(t.Year())
}

// FrenchDate formats a civil date as "vendredi 4 décembre 2026".
func FrenchDate(d deadline.Date) string {
	return frenchCivilDate(d)
}

// frenchCivilDate formats a civil date like frenchDate does.
func frenchCivilDate(d deadline.Date) string {
	return frenchDate(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC))
}

// frenchTime formats the time of day of t as "15 h 42" or "9 h 05".
func frenchTime(t time.Time) string {
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// frenchDateTime formats t as "le vendredi 4 décembre 2026 à 15 h 42".
func frenchDateTime(t time.Time) string {
	return "le " + frenchDate(t) + " à " + frenchTime(t)
}

// frenchSize formats a size in octets with SI prefixes and a decimal
// comma: "512 octets", "1,5 ko", "340 ko", "1,2 Mo". Values under ten
// keep one decimal.
func frenchSize(n int64) string {
	if n < 0 {
		n = 0
	}
	if n < 1000 {
		if n <= 1 {
			return strconv.FormatInt(n, 10) + " octet"
		}
		return strconv.FormatInt(n, 10) + " octets"
	}

	units := []string{"ko", "Mo", "Go", "To"}
	v := float64(n) / 1000
	i := 0
	for ; i < len(units)-1; i++ {
		// Compare the rounded value, so that 999 999 octets reads
		// "1,0 Mo" and not "1000 ko".
		if roundForDisplay(v) < 1000 {
			break
		}
		v /= 1000
	}

	if roundForDisplay(v) < 10 {
		s := strconv.FormatFloat(v, 'f', 1, 64)
		return strings.Replace(s, ".", ",", 1) + " " + units[i]
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " " + units[i]
}

// roundForDisplay rounds v the way frenchSize prints it.
func roundForDisplay(v float64) float64 {
	if v < 9.95 {
		return v
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 0, 64), 64)
	return f
}

// frenchCount writes n followed by a noun, singular for 0 and 1 as
// French usage has it: "1 anomalie", "3 anomalies".
func frenchCount(n int, singular, plural string) string {
	if n <= 1 {
		return strconv.Itoa(n) + " " + singular
	}
	return strconv.Itoa(n) + " " + plural
}

// channelLabel names the channel of a dossier in French.
func channelLabel(c dossier.Channel) string {
	switch c {
	case dossier.ChannelSMTP:
		return "courriel"
	case dossier.ChannelIMAP:
		return "courriel (boîte aux lettres relevée)"
	case dossier.ChannelForm:
		return "formulaire en ligne"
	case dossier.ChannelIngest:
		return "import manuel"
	}
	return string(c)
}

// timeZoneLabel names the time zone of loc for a French reader.
func timeZoneLabel(loc *time.Location) string {
	switch loc.String() {
	case "Europe/Paris":
		return "heure de Paris"
	case "UTC":
		return "temps universel"
	}
	return "fuseau " + loc.String()
}

// frenchDe writes the preposition "de" before s, elided before a vowel:
// "de 2 mois", "d'un mois".
func frenchDe(s string) string {
	if s == "" {
		return "de"
	}
	switch strings.ToLower(s[:1]) {
	case "a", "e", "i", "o", "u", "h":
		return "d'" + s
	}
	return "de " + s
}
