"""The Telegram door: an aiogram bot that reports incidents from chats and moves them along."""
