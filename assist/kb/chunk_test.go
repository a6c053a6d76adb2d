package kb

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChunkerSplit(t *testing.T) {
	cases := []struct {
		name string
		c    Chunker
		body string
		want []string
	}{
		{"empty", Chunker{}, " \n\n \t", nil},
		{"one paragraph", Chunker{}, "Standard delivery takes 5 to 7 days.\n", []string{"Standard delivery takes 5 to 7 days."}},
		{
			"paragraphs and tidied lines", Chunker{MinRunes: -1},
			"Line one\nstill one.\n\n\n  Second   paragraph. \n",
			[]string{"Line one still one.", "Second paragraph."},
		},
		{
			"short heading joins the next paragraph", Chunker{},
			"Fees:\n\nATM withdrawals above the allowance cost 2 percent.",
			[]string{"Fees: ATM withdrawals above the allowance cost 2 percent."},
		},
		{
			"English sentences packed with overlap", Chunker{MaxRunes: 45, OverlapRunes: 30},
			"First sentence is here. Second one too. Third is longer than that. The end.",
			[]string{"First sentence is here. Second one too.", "Second one too. Third is longer than that.", "Third is longer than that. The end."},
		},
		{
			"overlap leaves room for the next sentence", Chunker{MaxRunes: 40, OverlapRunes: 20},
			"First sentence is here. Second one too. Third is longer than that.",
			[]string{"First sentence is here. Second one too.", "Third is longer than that."},
		},
		{
			"no overlap", Chunker{MaxRunes: 40, OverlapRunes: -1},
			"First sentence is here. Second one too. Third is longer than that. End.",
			[]string{"First sentence is here. Second one too.", "Third is longer than that. End."},
		},
		{
			"decimals are not sentence ends", Chunker{MaxRunes: 30, OverlapRunes: -1},
			"Exchanges cost 0.5 percent. Weekends add 1.5 percent more.",
			[]string{"Exchanges cost 0.5 percent.", "Weekends add 1.5 percent more."},
		},
		{
			"Chinese without spaces", Chunker{MaxRunes: 20, OverlapRunes: -1},
			"同城一般当天或次日送达，省内一到两天。跨省两到四天，偏远地区四到七天。周末正常派送！",
			[]string{"同城一般当天或次日送达，省内一到两天。", "跨省两到四天，偏远地区四到七天。", "周末正常派送！"},
		},
		{
			"Chinese lines join without a space", Chunker{},
			"包裹签收前都可以\n修改收货地址。",
			[]string{"包裹签收前都可以修改收货地址。"},
		},
		{
			"Chinese overlap", Chunker{MaxRunes: 20, OverlapRunes: 12},
			"同城一般当天或次日送达。省内一到两天。跨省两到四天。",
			[]string{"同城一般当天或次日送达。省内一到两天。", "省内一到两天。跨省两到四天。"},
		},
		{
			"long sentence cut at clause marks", Chunker{MaxRunes: 24, OverlapRunes: -1},
			"易燃易爆物品、管制刀具、毒品、活体动物、现金和国家规定禁止寄递的物品不能寄送",
			[]string{"易燃易爆物品、管制刀具、毒品、活体动物、", "现金和国家规定禁止寄递的物品不能寄送"},
		},
		{
			"long English sentence cut at a space", Chunker{MaxRunes: 20, OverlapRunes: -1},
			"aaaa bbbb cccc dddd eeee ffff gggg",
			[]string{"aaaa bbbb cccc dddd", "eeee ffff gggg"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.c.Split(c.body)
			if !slices.Equal(got, c.want) {
				t.Fatalf("Split(%q)\n got %q\nwant %q", c.body, got, c.want)
			}
		})
	}
}

// Whatever the input, chunks are non-empty, within the limit, valid
// UTF-8, and together cover every word of the body.
func TestChunkerProperties(t *testing.T) {
	bodies := []string{
		strings.Repeat("Card payments are free. ", 60),
		strings.Repeat("包裹破损或丢失，请在签收后四十八小时内提出。", 30),
		strings.Repeat("x", 1000),
		strings.Repeat("长", 999),
		"a\n\nb\n\nc\n\nd",
		strings.Repeat("word, ", 300),
	}
	for _, c := range []Chunker{{}, {MaxRunes: 50, OverlapRunes: 10}, {MaxRunes: 17, OverlapRunes: 16}, {MaxRunes: 1}} {
		cd := c.withDefaults()
		for _, b := range bodies {
			chunks := c.Split(b)
			if len(chunks) == 0 {
				t.Fatalf("%+v: no chunks for %.20q", c, b)
			}
			joined := strings.Join(chunks, " ")
			for _, ch := range chunks {
				if ch == "" || !utf8.ValidString(ch) || utf8.RuneCountInString(ch) > cd.MaxRunes {
					t.Fatalf("%+v: bad chunk %q (%d runes)", c, ch, utf8.RuneCountInString(ch))
				}
			}
			for _, w := range strings.Fields(b) {
				if !strings.Contains(strings.ReplaceAll(joined, " ", ""), strings.TrimSpace(w)) && len(w) < cd.MaxRunes {
					t.Fatalf("%+v: word %q lost", c, w)
				}
			}
		}
	}
}
