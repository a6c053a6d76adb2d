package alert

import "testing"

// FuzzParseConfig: no YAML makes parsing panic, and a configuration that
// validates always compiles (Validate checks everything Compile needs).
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"",
		string(defaultsYAML),
		"defaults: false\nrules: [{id: a, kind: phrase, phrases: [x], regexes: ['\\bx{2,5}\\b']}]",
		"rules: [{id: a, kind: sentiment, threshold: -0.5, turns: 3, window: 1m}]",
		"rules: [{id: a, kind: talk_over, count: 2, window: 1m, speakers: [caller, agent]}]",
		"synonyms: {boss: [chief]}\nwebhooks: [{url: 'https://x/y', secret: 0123456789abcdef, rules: [abuse]}]",
		"rules: [{id: a, kind: phrase, phrases: ['律师*']}]",
		"rules: [{id: dead_air, disabled: true}, {id: dead_air, disabled: true}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data)
		if err != nil {
			return
		}
		rs, err := Compile(cfg)
		if err != nil {
			t.Fatalf("validated but does not compile: %v\n%s", err, data)
		}
		m := NewMonitor(rs, Call{})
		m.Turn(turn(1, "caller", "I want to speak to your supervisor 我要投诉"))
	})
}
