// Package pocketsphinx is the embedded asr.Recognizer: CMU PocketSphinx
// (the 0.8/5prealpha library Debian ships, through cgo) with a language
// model built from the bot itself.
//
// # Models
//
// A Model is what a decoder loads besides the en-us acoustic model:
//
//   - BuildModel(bot) estimates a trigram language model (interpolated
//     Kneser-Ney, written as ARPA) from the bot's intent examples (intent
//     CSV rows included), entity values and synonyms, slot values,
//     handoff phrases, knowledge-base titles, tags and bodies and the
//     bot's prompts, plus a built-in call-centre corpus (greetings, yes/no,
//     "I want to speak to an agent", numbers, digit strings, amounts,
//     dates, times). Numbers written in digits are spelled out first
//     (asr.SpokenWords). Words missing from the CMU dictionary get a
//     pronunciation from espeak-ng ("espeak-ng -x", mapped to ARPAbet);
//     without espeak-ng, or when a phoneme has no mapping, the word is
//     dropped and its sentences split there. The dictionary holds only the
//     model's words, which makes decoders quick to start and small.
//   - NewModel(name, sentences) does the same from any corpus.
//   - GenericModel() is pocketsphinx's en-us.lm.bin with the whole CMU
//     dictionary, the fallback when a domain model cannot be built.
//
// Every model also carries JSGF grammars for slot prompts — digits,
// yes/no, number (amounts) and date — compiled into each decoder as named
// searches, so asr.Config.Grammar switches between them per utterance at
// no cost. A Model is immutable: build it once per bot version
// (Model.Fingerprint identifies its content) and cache it.
//
// # Recognizer
//
// New(model) returns a Recognizer holding a pool of decoders per input
// rate, created on demand up to WithDecoders (ps_init is slow and large)
// and reused across sessions. A session takes a decoder in its own
// goroutine, so Stream and WriteFrame never block on recognition;
// partial hypotheses come every 200 ms of audio when they change, and End
// gives the final result with word timings (ps_seg_iter) and word
// posteriors as confidences. 8 kHz audio is upsampled to 16 kHz, which
// the wideband acoustic model recognises far better than a narrowband
// front end (see WithDecoderRate), with an initial cepstral mean measured
// on telephone speech. pocketsphinx's log is silenced unless WithLogFile.
// Close ends the sessions and frees every decoder.
//
//	m, err := pocketsphinx.BuildModel(bot) // once per bot version
//	rec, err := pocketsphinx.New(m, pocketsphinx.WithDecoders(4))
//	defer rec.Close()
//	s, err := rec.Stream(ctx, asr.Config{Language: "en", Rate: 8000, Grammar: asr.GrammarDigits})
package pocketsphinx
