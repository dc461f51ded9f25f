package engine

import "strings"

// The GSM 03.38 alphabet: characters in gsm7Basic take one septet, those in
// gsm7Extended two (an escape and the character).
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extended = "^{}\\[~]|€\f"
)

// gsm7Len is the number of septets s takes in GSM-7, assuming toGSM7 has
// made every character encodable.
func gsm7Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if strings.ContainsRune(gsm7Extended, r) {
			n++
		}
	}
	return n
}

// toGSM7 replaces characters GSM-7 cannot carry, so that a message is sent
// in 160-character segments rather than 70-character UCS-2 ones.
func toGSM7(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(gsm7Basic, r) || strings.ContainsRune(gsm7Extended, r):
			return r
		case r == '\t':
			return ' '
		case r == '‘' || r == '’':
			return '\''
		case r == '“' || r == '”':
			return '"'
		case r == '–' || r == '—':
			return '-'
		}
		return '?'
	}, s)
}
