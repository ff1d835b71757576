package intake

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/staff"
	"github.com/sved-project/sved/internal/store"
)

// staffAction is a staff reply to a dossier, read and prepared outside
// the store's transaction; build checks and applies it inside.
type staffAction struct {
	p     *Pipeline
	t     *config.Tenant
	m     *message.Message
	agent dossier.Address
	now   time.Time

	reply    *staff.Reply
	problems []string // from parsing; the reply is then not obeyed
	// words is the agent's message to the requester: the reply's text
	// without quoted history and with internal addresses hidden.
	words  notify.Staff
	thread notify.Thread
	// request and requestRaw are the dossier's first message, read when
	// a command sends the whole request to a service or authority.
	request    *message.Message
	requestRaw []byte
}

// newStaffAction parses the staff reply m to dossier d and reads what
// its commands will need.
func (p *Pipeline) newStaffAction(t *config.Tenant, d *dossier.Dossier, m *message.Message,
	now time.Time) (*staffAction, error) {
	a := &staffAction{p: p, t: t, m: m, agent: m.Sender, now: now}
	reply, err := staff.Parse(staff.TrimQuoted(m.Text))
	var perr *staff.ParseError
	switch {
	case errors.As(err, &perr):
		for _, pb := range perr.Problems {
			a.problems = append(a.problems, pb.String())
		}
		return a, nil
	case err != nil:
		return nil, fmt.Errorf("parse staff reply to %s: %w", d.Ref, err)
	}
	if m.Unreadable {
		a.problems = []string{"votre message n'a pas pu être lu (structure MIME invalide) : renvoyez-le depuis votre messagerie habituelle."}
		return a, nil
	}
	a.reply = reply
	for i := range reply.Commands {
		c := &reply.Commands[i]
		c.Reason = staff.Redact(c.Reason, t.IsInternalAddress)
		for j := range c.Items {
			c.Items[j] = staff.Redact(c.Items[j], t.IsInternalAddress)
		}
	}
	a.words = notify.Staff{Text: staff.Redact(unquoted(reply.Text), t.IsInternalAddress),
		Attachments: relayable(m.Attachments)}

	journal, err := p.store.Journal(d.Ref)
	if err != nil {
		return nil, fmt.Errorf("read journal of %s: %w", d.Ref, err)
	}
	a.thread = conversation(d, journal)

	_, svc := reply.Command(staff.KindService)
	_, nat := reply.Command(staff.KindNature)
	_, tr := reply.Command(staff.KindTransfer)
	if svc || nat || tr {
		raw, err := p.store.Raw(d.Ref)
		if err != nil {
			return nil, fmt.Errorf("read request of %s: %w", d.Ref, err)
		}
		a.requestRaw = raw
		a.request = message.Parse(raw)
	}
	return a, nil
}

// unquoted returns text without its quoted lines (those that start with
// ">") and the attribution line just above a quote. The history that
// staff quote is the forward sved sent them, with internal details the
// requester must not see. Trimming keeps interleaved replies, so the
// quotes between them are removed here.
func unquoted(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), ">") {
			continue
		}
		if next := i + 1; next < len(lines) && strings.HasPrefix(strings.TrimLeft(lines[next], " \t"), ">") &&
			strings.HasSuffix(strings.TrimSpace(line), ":") {
			continue
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// relayable returns the attachments of a staff reply that may go to the
// requester: not the attached messages (message/rfc822, .eml, .msg),
// which are most often the forward sved sent, internal headers and all.
func relayable(parts []message.Part) []message.Part {
	var out []message.Part
	for _, p := range parts {
		name := strings.ToLower(p.FileName)
		if strings.HasPrefix(strings.ToLower(p.ContentType), "message/") ||
			strings.HasSuffix(name, ".eml") || strings.HasSuffix(name, ".msg") {
			continue
		}
		out = append(out, p)
	}
	return out
}

// build obeys the reply on sd, the dossier inside the transaction. A
// reply that cannot be obeyed changes nothing, and the agent gets a
// French error reply with the reasons and the list of commands.
func (a *staffAction) build(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
	problems := a.problems
	if problems == nil {
		problems = a.check(sd)
	}
	if len(problems) > 0 {
		return a.rejectWith(sd, problems)
	}
	before := cloneForRetry(sd)
	events, mails, err := a.apply(sd)
	if err != nil {
		// A letter that cannot be written must not make the agent's
		// server retry the reply for days, so the agent gets the error
		// reply instead.
		*sd = before
		a.p.log.Error("staff command failed", "tenant", a.t.ID, "dossier", sd.Ref, "err", err)
		return a.rejectWith(sd, []string{"la commande n'a pas pu être exécutée : " + err.Error()})
	}
	return events, mails, nil
}

// cloneForRetry copies d with its slices, so that a failed apply can
// be undone.
func cloneForRetry(d *dossier.Dossier) dossier.Dossier {
	c := *d
	c.Pieces = append([]dossier.PiecesRequest(nil), d.Pieces...)
	return c
}

// rejectWith records that the reply was not obeyed and sends the agent
// the reasons.
func (a *staffAction) rejectWith(sd *dossier.Dossier, problems []string) ([]dossier.Event, []store.OutboundMail, error) {
	event := dossier.Event{At: a.now.UTC(), Kind: dossier.EventRejected, Actor: a.agent.Addr,
		Text: strings.Join(problems, "\n")}
	mail, err := a.p.renderer.StaffError(a.t, sd, a.agent, problems, a.help(), a.m.MessageID, a.now)
	if err != nil {
		return nil, nil, fmt.Errorf("render staff error reply on %s: %w", sd.Ref, err)
	}
	return []dossier.Event{event}, []store.OutboundMail{mail}, nil
}

// help returns the list of commands with the tenant's service and
// nature ids.
func (a *staffAction) help() string {
	var b strings.Builder
	b.WriteString(staff.Help())
	if ids := serviceIDs(a.t); ids != "" {
		b.WriteString("\nServices : " + ids + "\n")
	}
	if ids := natureIDs(a.t); ids != "" {
		b.WriteString("Natures : " + ids + "\n")
	}
	return b.String()
}

func serviceIDs(t *config.Tenant) string {
	var ids []string
	for _, s := range t.Services {
		if s != nil {
			ids = append(ids, s.ID)
		}
	}
	return strings.Join(ids, ", ")
}

func natureIDs(t *config.Tenant) string {
	var ids []string
	for _, n := range t.Natures {
		if n != nil {
			ids = append(ids, n.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// stateLabels names the states in the staff error reply.
var stateLabels = map[dossier.State]string{
	dossier.StateReceived:          "reçu",
	dossier.StateRegistered:        "enregistré",
	dossier.StateAutomatic:         "classé comme message automatique",
	dossier.StateQuarantined:       "en quarantaine",
	dossier.StateImplicitAccord:    "accepté implicitement",
	dossier.StateImplicitRejection: "rejeté implicitement",
	dossier.StateRefused:           "refusé",
	dossier.StateTransferred:       "transmis à une autre autorité",
	dossier.StateClosed:            "clos",
}

// allowed gives, for each command, the states in which it may be used.
var allowed = map[staff.Kind][]dossier.State{
	staff.KindRegister:    {dossier.StateReceived},
	staff.KindRefuse:      {dossier.StateReceived, dossier.StateRegistered},
	staff.KindDocuments:   {dossier.StateReceived, dossier.StateRegistered},
	staff.KindTransfer:    {dossier.StateReceived, dossier.StateRegistered},
	staff.KindNature:      {dossier.StateReceived, dossier.StateRegistered},
	staff.KindService:     {dossier.StateReceived, dossier.StateRegistered, dossier.StateImplicitAccord, dossier.StateImplicitRejection},
	staff.KindClose:       {dossier.StateReceived, dossier.StateRegistered, dossier.StateImplicitAccord, dossier.StateImplicitRejection},
	staff.KindAttestation: {dossier.StateImplicitAccord},
}

// check returns, in French, why the reply cannot be obeyed on sd, or
// nil.
func (a *staffAction) check(sd *dossier.Dossier) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	r := a.reply
	state := stateLabels[sd.State]
	for _, c := range r.Commands {
		states, limited := allowed[c.Kind]
		if limited && !containsState(states, sd.State) {
			add("#%s n'est pas possible : le dossier %s est %s.", c.Kind, sd.Ref, state)
		}
	}
	if (sd.State == dossier.StateAutomatic || sd.State == dossier.StateQuarantined) && !r.Internal() {
		add("le dossier %s est %s : seules #note, #service et #nature sont possibles.", sd.Ref, state)
	}
	if sends(r) && sd.Requester.Addr == "" {
		add("le demandeur n'a pas d'adresse : aucun message ne peut lui être envoyé.")
	}

	nature := a.t.Nature(sd.Nature)
	if c, ok := r.Command(staff.KindNature); ok {
		if nature = a.t.Nature(c.ID); nature == nil {
			add("nature inconnue « %s » ; les natures sont : %s.", c.ID, natureIDs(a.t))
		}
	}
	// The service the letters will name, as apply will set it.
	service := a.t.Service(sd.Service)
	if has(r, staff.KindNature) && nature != nil && nature.Service != "" {
		service = a.t.Service(nature.Service)
	}
	if c, ok := r.Command(staff.KindService); ok {
		if service = a.t.Service(c.ID); service == nil {
			add("service inconnu « %s » ; les services sont : %s.", c.ID, serviceIDs(a.t))
		}
	} else if service == nil && sends(r) {
		add("le service « %s » du dossier n'existe plus dans la configuration : confiez le dossier à un autre avec #service ID (%s).",
			sd.Service, serviceIDs(a.t))
	}
	if c, ok := r.Command(staff.KindTransfer); ok && (a.t.IsInternalAddress(c.Address) || a.t.IsOwnAddress(c.Address)) {
		add("#transmettre vise une adresse de la collectivité (%s) : donnez l'adresse de l'autorité compétente.", c.Address)
	}
	if _, ok := r.Command(staff.KindRegister); ok && sd.State == dossier.StateReceived {
		switch {
		case nature == nil:
			add("qualifiez d'abord la demande avec #nature ID, sur la ligne avant #enregistrer, pour que l'accusé de réception indique son régime et son délai ; les natures sont : %s.", natureIDs(a.t))
		case service != nil && service.Phone == "":
			add("le service « %s » n'a pas de numéro de téléphone dans la configuration, que l'accusé de réception doit indiquer.", service.ID)
		}
	}
	if _, ok := r.Command(staff.KindDocuments); ok && sd.PendingPieces() != nil {
		add("une demande de pièces du %s attend encore sa réponse.", sd.PendingPieces().Requested)
	}
	if _, ok := r.Command(staff.KindClose); ok && strings.TrimSpace(a.words.Text) == "" && sd.AnsweredAt.IsZero() {
		add("aucune réponse expresse n'a été envoyée au demandeur : écrivez-la sous #clore.")
	}
	if r.Plain() && strings.TrimSpace(a.words.Text) == "" && len(a.words.Attachments) == 0 {
		add("le message est vide : rien à transmettre au demandeur.")
	}
	return problems
}

// sends reports whether the reply writes to the requester.
func sends(r *staff.Reply) bool {
	return (r.Plain() && r.Text != "") || !r.Internal()
}

func containsState(states []dossier.State, s dossier.State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

// apply obeys the checked reply on sd, in a fixed order: the nature and
// service first, so that the letters that follow state them, then the
// request for pieces, then the command that writes to the requester.
func (a *staffAction) apply(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
	var events []dossier.Event
	var mails []store.OutboundMail
	event := func(kind dossier.EventKind, text string, fields map[string]string) {
		events = append(events, dossier.Event{At: a.now.UTC(), Kind: kind, Actor: a.agent.Addr, Text: text, Fields: fields})
	}
	mail := func(m store.OutboundMail, err error) error {
		if err != nil {
			return fmt.Errorf("render forward to the new service of %s: %w", sd.Ref, err)
		}
		mails = append(mails, m)
		return nil
	}
	r, t, cal := a.reply, a.t, a.t.Calendar()
	formerService := sd.Service

	for _, c := range r.Commands {
		switch c.Kind {
		case staff.KindNote:
			event(dossier.EventNote, c.Note, nil)
		case staff.KindNature:
			n := t.Nature(c.ID)
			fields := map[string]string{"nature": n.ID, "regime": string(n.Regime), "former_nature": sd.Nature}
			sd.Nature, sd.Regime, sd.Delai = n.ID, dossier.Regime(n.Regime), n.ParsedDelai()
			fields["delai"] = sd.Delai.String()
			if n.Service != "" {
				sd.Service = n.Service
			}
			sd.RecomputeDue(cal)
			event(dossier.EventRequalified, "", dueFields(sd, fields))
		case staff.KindService:
			sd.Service = c.ID
		}
	}
	if sd.Service != formerService {
		event(dossier.EventServiceChanged, "", map[string]string{"service": sd.Service, "former_service": formerService})
		svc := t.Service(sd.Service)
		if err := mail(a.p.renderer.Forward(t, sd, svc, a.request, a.now, notify.AckSent)); err != nil {
			return nil, nil, err
		}
	}
	if c, ok := r.Command(staff.KindDocuments); ok {
		if err := a.requestPieces(sd, c); err != nil {
			return nil, nil, err
		}
		event(dossier.EventPiecesRequested, "", dueFields(sd, map[string]string{
			"requested": cal.ReceiptDate(a.now).String(),
			"granted":   sd.PendingPieces().Granted.String(),
			"items":     strings.Join(c.Items, " ; "),
		}))
	}
	more, letters, err := a.answer(sd)
	if err != nil {
		return nil, nil, err
	}
	return append(events, more...), append(mails, letters...), nil
}

// requestPieces records the request for the pieces of c on sd and moves
// its due dates.
func (a *staffAction) requestPieces(sd *dossier.Dossier, c staff.Command) error {
	cal := a.t.Calendar()
	if err := sd.RequestPieces(cal.ReceiptDate(a.now), deadline.Delai{N: c.DelayDays, Unit: deadline.Days}); err != nil {
		return err
	}
	sd.Pieces[len(sd.Pieces)-1].Items = c.Items
	sd.RecomputeDue(cal)
	return nil
}

// answer carries out the part of the reply meant for the requester: the
// legal letter of its command, or the relay of a plain reply.
func (a *staffAction) answer(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
	r, t, rd := a.reply, a.t, a.p.renderer
	svc := t.Service(sd.Service)
	agent := a.agent.Addr
	var events []dossier.Event
	var letter store.OutboundMail
	var err error
	event := func(kind dossier.EventKind, text string, fields map[string]string) {
		events = append(events, dossier.Event{At: a.now.UTC(), Kind: kind, Actor: agent, Text: text, Fields: fields})
	}
	answered := func() {
		if sd.AnsweredAt.IsZero() {
			sd.AnsweredAt = a.now.UTC()
		}
	}

	switch {
	case has(r, staff.KindRegister):
		sd.State = dossier.StateRegistered
		letter, err = rd.ARE(t, sd, svc, a.words, a.thread, a.now)
		event(dossier.EventRegistered, "", nil)
	case has(r, staff.KindRefuse):
		c, _ := r.Command(staff.KindRefuse)
		sd.State = dossier.StateRefused
		answered()
		letter, err = rd.Refusal(t, sd, svc, c.Reason, a.words, a.thread, a.now)
		event(dossier.EventRefused, c.Reason, nil)
	case has(r, staff.KindTransfer):
		return a.transfer(sd)
	case has(r, staff.KindDocuments):
		letter, err = rd.PiecesRequest(t, sd, svc, a.words, a.thread, a.now)
	case has(r, staff.KindAttestation):
		letter, err = rd.Attestation(t, sd, svc, a.now)
		event(dossier.EventAttestation, "", nil)
	case has(r, staff.KindClose):
		sd.State = dossier.StateClosed
		event(dossier.EventClosed, "", nil)
		if strings.TrimSpace(a.words.Text) == "" {
			return events, nil, nil
		}
		answered()
		letter, err = rd.Reply(t, sd, svc, a.words, a.thread, a.now)
		event(dossier.EventReplyRelayed, "", nil)
	case r.Plain():
		answered()
		letter, err = rd.Reply(t, sd, svc, a.words, a.thread, a.now)
		event(dossier.EventReplyRelayed, "", nil)
	default:
		// An internal reply (#service, #nature, #note only) sends
		// nothing; its text is kept in the journal as a note.
		if text := strings.TrimSpace(a.words.Text); text != "" {
			event(dossier.EventNote, text, nil)
		}
		return events, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("render letter on %s: %w", sd.Ref, err)
	}
	return events, []store.OutboundMail{letter}, nil
}

// transfer sends the dossier to the competent authority and a notice to
// the requester (CRPA L114-2). sved then runs no implicit-decision clock.
func (a *staffAction) transfer(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
	c, _ := a.reply.Command(staff.KindTransfer)
	t, rd := a.t, a.p.renderer
	svc := t.Service(sd.Service)
	sd.State = dossier.StateTransferred
	authority := dossier.Address{Addr: c.Address}
	fwd, err := rd.Transfer(t, sd, svc, authority, c.Reason, a.request, a.requestRaw, a.now)
	if err != nil {
		return nil, nil, fmt.Errorf("render transfer of %s: %w", sd.Ref, err)
	}
	notice, err := rd.TransferNotice(t, sd, svc, c.Address, c.Reason, a.words, a.thread, a.now)
	if err != nil {
		return nil, nil, fmt.Errorf("render transfer notice of %s: %w", sd.Ref, err)
	}
	events := []dossier.Event{{At: a.now.UTC(), Kind: dossier.EventTransferred, Actor: a.agent.Addr,
		Text: c.Reason, Fields: map[string]string{"to": c.Address}}}
	return events, []store.OutboundMail{fwd, notice}, nil
}

func has(r *staff.Reply, k staff.Kind) bool {
	_, ok := r.Command(k)
	return ok
}
