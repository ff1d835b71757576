package message

import (
	"github.com/sved-project/sved/internal/dossier"
)

// readHeader fills the fields of s.msg that come from its top-level
// header: addresses, subject, message ids and date.
func (s *parseState) readHeader() {
	m := s.msg
	m.From = s.addressField("From")
	m.ReplyTo = s.addressField("Reply-To")
	m.To = s.addressField("To")
	m.Cc = s.addressField("Cc")
	if len(m.From) > 0 {
		m.Sender = m.From[0]
	} else {
		m.Sender = dossier.Address{}
		if headerValue(m.Header, "From") != "" {
			s.warn("The From header contains no address outside encoded-words; " +
				"the sender is unknown.")
		}
	}

	m.Subject = s.decodeText("Subject", headerValue(m.Header, "Subject"))
	if m.Subject == "" {
		m.Subject = noSubject
	}

	ids := s.msgIDs("Message-ID")
	m.MessageID = ""
	if len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = s.msgIDs("In-Reply-To")
	m.References = s.msgIDs("References")

	if date, ok := parseDate(headerValue(m.Header, "Date")); ok {
		m.Date = date
	} else {
		s.warn("The Date header could not be parsed.")
	}
}

// addressField parses every occurrence of an address field and keeps
// the addresses that have an addr-spec.
func (s *parseState) addressField(name string) []dossier.Address {
	var list []dossier.Address
	for _, raw := range headerValues(s.msg.Header, name) {
		parsed, ok := parseAddressList(raw)
		if !ok {
			s.warn("The %s header is not a valid address list; its addresses were "+
				"recovered one by one.", name)
		}
		for _, a := range parsed {
			if a.Addr != "" {
				list = append(list, a)
			}
		}
	}
	return list
}

// decodeText decodes the RFC 2047 words of an unstructured field such
// as Subject and returns one clean line.
func (s *parseState) decodeText(name, raw string) string {
	text, res := decodeWords(raw)
	if res.unknownCharset != "" {
		s.warn("The %s header uses the unknown charset %q; it was decoded by a guess.",
			name, res.unknownCharset)
	}
	return cleanText(text)
}

// msgIDs returns the ids of every occurrence of a message-id field.
func (s *parseState) msgIDs(name string) []string {
	ids, broken := parseMsgIDs(headerValues(s.msg.Header, name))
	if broken {
		s.warn("The %s header contains a malformed message id, which was ignored.", name)
	}
	return ids
}
