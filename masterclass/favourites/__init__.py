"""favourites"""
