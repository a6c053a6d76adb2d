package dialog

// phrases are the dialogue manager's own words, per language. Bots say
// everything else themselves.
var phrases = map[string]map[string]string{
	"en": {
		"anything_else":  "Is there anything else I can help you with?",
		"didnt_catch":    "Sorry, I didn't catch that.",
		"back_to":        "Now, back to where we were.",
		"handoff":        "Let me put you through to a colleague who can help.",
		"goodbye":        "Thank you for calling. Goodbye!",
		"not_found":      "I'm sorry, I don't have an answer to that.",
		"reason_asked":   "caller asked for a human",
		"reason_nomatch": "bot did not understand the caller %d times in a row",
		"reason_slot":    "could not collect %s after %d attempts",
		"reason_hook":    "backend call failed: %s",
		"too_long":       "That was a lot to take in. Could you tell me briefly what you need?",
		"sum_caller":     "Caller %s. ",
		"sum_asked":      "Asked about: %s. ",
		"sum_collected":  "Collected: %s. ",
		"sum_said":       "Said: \"%s\". ",
		"sum_reason":     "Handed off because %s.",
	},
	"zh": {
		"anything_else":  "请问还有什么可以帮您？",
		"didnt_catch":    "抱歉，我没有听清楚。",
		"back_to":        "我们继续刚才的话题。",
		"handoff":        "正在为您转接人工客服，请稍候。",
		"goodbye":        "感谢您的来电，再见！",
		"not_found":      "抱歉，这个问题我暂时无法回答。",
		"reason_asked":   "客户要求转人工",
		"reason_nomatch": "机器人连续%d次未能理解客户",
		"reason_slot":    "%s 经 %d 次尝试仍未收集到",
		"reason_hook":    "后台接口调用失败：%s",
		"too_long":       "内容有点多，能简单说一下您需要办理什么吗？",
		"sum_caller":     "来电号码%s。",
		"sum_asked":      "咨询：%s。",
		"sum_collected":  "已收集：%s。",
		"sum_said":       "客户说：“%s”。",
		"sum_reason":     "转人工原因：%s。",
	},
}

func phrase(lang, key string) string {
	if p, ok := phrases[lang][key]; ok {
		return p
	}
	return phrases["en"][key]
}
