// Package sentiment scores the sentiment of call-center utterances.
package sentiment
