package openaitest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

func decodeTranscription(req *Request) error {
	mt, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errors.New("transcription request: want a multipart/form-data body")
	}
	tr := &TranscriptionRequest{Fields: map[string][]string{}}
	mr := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("transcription request: %w", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return fmt.Errorf("transcription request: %w", err)
		}
		if p.FormName() == "file" {
			tr.FileName, tr.File = p.FileName(), data
			continue
		}
		tr.Fields[p.FormName()] = append(tr.Fields[p.FormName()], string(data))
	}
	field := func(k string) string {
		if v := tr.Fields[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	tr.Model, tr.Language, tr.Prompt = field("model"), field("language"), field("prompt")
	tr.ResponseFormat, tr.Temperature = field("response_format"), field("temperature")
	if tr.File == nil {
		return errors.New("transcription request: missing file")
	}
	if tr.Model == "" {
		return errors.New("transcription request: you must provide a model parameter")
	}
	req.Transcription = tr
	return nil
}

func (x *exchange) serveTranscription() {
	tr := x.req.Transcription
	text := x.reply.Text
	// Duration from the upload when it is a PCM16 WAV, else 1 s.
	dur := 1.0
	if len(tr.File) > 44 && string(tr.File[:4]) == "RIFF" {
		rate := binary.LittleEndian.Uint32(tr.File[24:28])
		if rate > 0 {
			dur = float64(len(tr.File)-44) / 2 / float64(rate)
		}
	}
	switch tr.ResponseFormat {
	case "text":
		x.write(http.StatusOK, "text/plain; charset=utf-8", []byte(text+"\n"))
	case "srt":
		x.write(http.StatusOK, "text/plain; charset=utf-8",
			fmt.Appendf(nil, "1\n00:00:00,000 --> %s\n%s\n\n", stamp(dur, ","), text))
	case "vtt":
		x.write(http.StatusOK, "text/plain; charset=utf-8",
			fmt.Appendf(nil, "WEBVTT\n\n00:00:00.000 --> %s\n%s\n\n", stamp(dur, "."), text))
	case "verbose_json":
		lang := tr.Language
		if lang == "" {
			lang = "english"
		}
		x.writeJSON(map[string]any{
			"task": "transcribe", "language": lang, "duration": dur, "text": text,
			"segments": []map[string]any{{
				"id": 0, "seek": 0, "start": 0.0, "end": dur, "text": text, "tokens": []int{},
				"temperature": 0.0, "avg_logprob": -0.1, "compression_ratio": 1.0, "no_speech_prob": 0.0,
			}},
		})
	default: // "json"
		x.writeJSON(map[string]any{"text": text})
	}
}

func stamp(sec float64, sep string) string {
	ms := int(sec * 1000)
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

func decodeSpeech(req *Request) error {
	var sp SpeechRequest
	if err := json.Unmarshal(req.Body, &sp); err != nil {
		return fmt.Errorf("speech request: %w", err)
	}
	switch {
	case sp.Model == "":
		return errors.New("speech request: you must provide a model parameter")
	case strings.TrimSpace(sp.Input) == "":
		return errors.New("speech request: input must not be empty")
	case sp.Voice == "":
		return errors.New("speech request: you must provide a voice")
	}
	req.Speech = &sp
	return nil
}

// speechTypes are the content types OpenAI gives each response_format.
var speechTypes = map[string]string{
	"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac",
	"flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm",
}

func (x *exchange) serveSpeech() {
	format := x.req.Speech.ResponseFormat
	if format == "" {
		format = "mp3"
	}
	audio := x.reply.Audio
	if audio == nil {
		pcm := make([]byte, 24000/10*2) // 100 ms of silence, 24 kHz PCM16
		if format == "pcm" {
			audio = pcm
		} else {
			audio, format = WAV(pcm, 24000), "wav"
		}
	}
	ct := speechTypes[format]
	if ct == "" {
		ct = "application/octet-stream"
	}
	x.write(http.StatusOK, ct, audio)
}

// WAV wraps little-endian mono PCM16 samples in a WAV header.
func WAV(pcm []byte, rate int) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + len(pcm)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(rate * 2))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}
