package kb_test

import (
	"context"
	"fmt"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/prompts"
)

// An Index for one bot: Load a version's articles, then Search with what
// the caller said. Load again when a new version is published; searches
// running meanwhile are not disturbed.
func ExampleIndex() {
	ctx := context.Background()
	ix, err := kb.NewIndex() // embedded hashed n-gram embedder, in-process store
	if err != nil {
		panic(err)
	}
	bot := &prompts.Bot{Name: "bank", Knowledge: []prompts.Article{
		{ID: "pin-help", Title: "PIN changes and blocked PINs",
			Body: "A PIN blocked after three wrong attempts can be unblocked in the app under Cards, Security, Unblock PIN."},
		{ID: "card-delivery", Title: "Card delivery times",
			Body: "Standard card delivery takes 5 to 7 working days and is free."},
	}}
	if err := ix.Load(ctx, bot, 1); err != nil {
		panic(err)
	}
	hits, err := ix.Search(ctx, "uh yeah i put the wrong pin in three times and now it's locked", 3)
	if err != nil {
		panic(err)
	}
	h := hits[0]
	fmt.Println(h.ArticleID, "|", h.Title)
	fmt.Println(h.Snippet)
	// Output:
	// pin-help | PIN changes and blocked PINs
	// A PIN blocked after three wrong attempts can be unblocked in the app under Cards, Security, Unblock PIN.
}

// Chinese articles need no word segmenter.
func ExampleIndex_chinese() {
	ctx := context.Background()
	ix, _ := kb.NewIndex()
	_ = ix.Load(ctx, &prompts.Bot{Name: "parcels", Knowledge: []prompts.Article{
		{ID: "delivery-times", Title: "配送时效", Body: "同城一般当天或次日送达，省内一到两天，跨省两到四天。"},
		{ID: "shipping-fees", Title: "运费标准", Body: "同省首重一公斤十二元，跨省首重一公斤十八元。"},
	}}, 1)
	hits, _ := ix.Search(ctx, "寄到外省一公斤要多少钱", 1)
	fmt.Println(hits[0].ArticleID)
	// Output: shipping-fees
}

// The chunker cuts long articles at paragraphs, then sentences.
func ExampleChunker() {
	c := kb.Chunker{MaxRunes: 30, OverlapRunes: -1}
	for _, chunk := range c.Split("包裹破损或丢失，请在签收后四十八小时内提出。理赔一般在七个工作日内处理完毕。\n\nResults are sent by text.") {
		fmt.Println(chunk)
	}
	// Output:
	// 包裹破损或丢失，请在签收后四十八小时内提出。
	// 理赔一般在七个工作日内处理完毕。
	// Results are sent by text.
}

// Choosing the fusion: reciprocal-rank fusion (the default) or a
// normalised score blend; or one ranking alone.
func ExampleWithFusion() {
	ix, err := kb.NewIndex(kb.WithFusion(kb.Blend(0.5)), kb.WithMode(kb.ModeHybrid))
	if err != nil {
		panic(err)
	}
	_ = ix
	fmt.Println(kb.DefaultFusion)
	// Output: rrf(k=60)
}
