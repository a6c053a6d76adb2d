// Package voicebot will orchestrate a bot on a phone call: answer, greet,
// then loop voice activity detection, end-of-turn detection, speech
// recognition, the dialogue manager (package nlu/dialog, through package
// conversation) and speech synthesis, with barge-in, until the dialogue ends
// or hands off to a human queue.
//
// Nothing is implemented yet: the voicebot issue builds it. Text
// conversations already run through package conversation.
package voicebot
